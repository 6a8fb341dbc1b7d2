"""Matching revisions by content and translations by position."""

from __future__ import annotations

from app.decks.alignment import looks_untranslated, match_sequences


def test_unchanged_sequences_are_all_equal() -> None:
    assert match_sequences(["a", "b"], ["a", "b"]) == [(0, 0, "equal"), (1, 1, "equal")]


def test_an_edit_in_place_is_one_change() -> None:
    assert match_sequences(["a", "b", "c"], ["a", "B", "c"]) == [
        (0, 0, "equal"),
        (1, 1, "changed"),
        (2, 2, "equal"),
    ]


def test_an_insertion_does_not_shift_later_slides_into_changes() -> None:
    assert match_sequences(["a", "b", "c"], ["a", "new", "b", "c"]) == [
        (0, 0, "equal"),
        (None, 1, "added"),
        (1, 2, "equal"),
        (2, 3, "equal"),
    ]


def test_a_removal_is_reported_where_it_stood() -> None:
    assert match_sequences(["a", "b", "c"], ["a", "c"]) == [
        (0, 0, "equal"),
        (1, None, "removed"),
        (2, 1, "equal"),
    ]


def test_replacing_two_slides_by_three_is_two_changes_and_an_addition() -> None:
    assert match_sequences(["a", "b", "c", "z"], ["a", "x", "y", "w", "z"]) == [
        (0, 0, "equal"),
        (1, 1, "changed"),
        (2, 2, "changed"),
        (None, 3, "added"),
        (3, 4, "equal"),
    ]


def test_identical_words_look_untranslated_but_numbers_do_not() -> None:
    assert looks_untranslated("在留カード\n常に携帯", "在留カード  常に携帯")
    assert not looks_untranslated("110\n119", "110\n119")
    assert not looks_untranslated("在留カード", "Thẻ cư trú")
    assert not looks_untranslated("", "")
