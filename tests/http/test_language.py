"""Choosing the answer's language from an explicit choice or the Accept-Language header."""

from __future__ import annotations

from app.i18n import TRAINEE_LANGUAGES, pick_language


def test_the_highest_quality_wins_not_the_first_listed() -> None:
    assert pick_language("ja;q=0.1, en;q=0.9") == "en"
    assert pick_language("en;q=0, ja") == "ja"


def test_regional_and_alias_tags_reach_the_catalog_a_trainee_reads() -> None:
    assert pick_language("vi-VN,vi;q=0.9", None, TRAINEE_LANGUAGES) == "vi"
    assert pick_language("zh-CN", None, TRAINEE_LANGUAGES) == "zh-Hans"
    assert pick_language("zh-TW", None, TRAINEE_LANGUAGES) == "zh-Hans"
    assert pick_language("tl", None, TRAINEE_LANGUAGES) == "fil"
    assert pick_language("EN-us") == "en"


def test_an_explicit_choice_beats_the_header_and_unknown_falls_back_to_japanese() -> None:
    assert pick_language("en", "ja") == "ja"
    assert pick_language("fr, de;q=0.5") == "ja"
    assert pick_language("km", "xx", TRAINEE_LANGUAGES) == "km"
