"""Damage the rest of a slide can live with is a warning; damage to the slide is a refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.decks.problems import DeckRejected
from app.decks.reader import read_deck
from tests import deckmaker
from tests.decks.mutations import pack, unpack


def rewritten(tmp_path: Path, name: str, change: object) -> Path:
    deck = deckmaker.build(tmp_path / "deck.pptx", deckmaker.lecture("ja"))
    parts = unpack(deck.read_bytes())
    parts[name] = change(parts[name])  # type: ignore[operator]
    path = tmp_path / "damaged.pptx"
    path.write_bytes(pack(parts))
    return path


def test_a_damaged_layout_leaves_its_slides_readable_with_a_warning(tmp_path: Path) -> None:
    # Layout 2 is "Title and Content", the layout of every content and quiz slide.
    path = rewritten(tmp_path, "ppt/slideLayouts/slideLayout2.xml", lambda xml: xml[:200])

    deck = read_deck(path)

    slide = deck.slides[1]
    assert slide.title == "技能実習制度 1"
    assert "説明 1.1" in slide.text
    [problem] = slide.problems
    assert (problem.severity, problem.code, problem.slide) == ("warning", "layout.unreadable", 2)
    assert "Layout" in problem.text() and problem.text("ja") != problem.text()


def test_a_position_that_is_not_a_number_keeps_the_slide(tmp_path: Path) -> None:
    def garble(xml: bytes) -> bytes:
        return re.sub(rb'<a:off x="\d+"', b'<a:off x="left"', xml)

    deck = read_deck(rewritten(tmp_path, "ppt/slides/slide2.xml", garble))

    assert deck.slides[1].title == "技能実習制度 1"
    assert "説明 1.2" in deck.slides[1].text


def test_a_slide_that_is_not_xml_refuses_the_deck_naming_it(tmp_path: Path) -> None:
    path = rewritten(tmp_path, "ppt/slides/slide3.xml", lambda xml: b"\x89PNG not a slide")

    with pytest.raises(DeckRejected) as caught:
        read_deck(path)

    [problem] = caught.value.problems
    assert (problem.code, problem.slide, problem.params) == ("slide.unreadable", 3, {"number": 3})
    assert "Slide 3" in problem.text() and "new slide" in problem.text()


def test_a_relationship_naming_a_part_in_another_case_still_finds_it(tmp_path: Path) -> None:
    # Part names are case-insensitive in a package; some writers mix the cases.
    path = rewritten(
        tmp_path,
        "ppt/slides/_rels/slide2.xml.rels",
        lambda xml: re.sub(rb"\.\./media/(image\d+)\.png", rb"../MEDIA/\1.PNG", xml),
    )

    deck = read_deck(path)

    assert [b["type"] for b in deck.slides[1].blocks].count("picture") == 1
    assert deck.slides[1].problems == []
