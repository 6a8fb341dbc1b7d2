"""Decks with the markup PowerPoint, Keynote, Google Slides and LibreOffice really write import
with the right slides and text: pictures in alternate content, OLE previews, SmartArt, charts,
equations, SVG, linked pictures, video, ink, zoom, morph, empty placeholders and comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.decks.api import parse_deck
from app.decks.content import SlideContent
from app.decks.reader import read_deck
from app.decks.safety import Limits, check_package
from tests.conftest import upload
from tests.decks import corpus


def texts(slide: SlideContent) -> list[str]:
    """Every paragraph of the slide's text blocks, then every picture's alternative text."""
    found = [p["text"] for b in slide.blocks if b["type"] == "text" for p in b["paragraphs"]]
    return found + [b["alt"] for b in slide.blocks if b["type"] == "picture"]


def read(build: corpus.Builder, tmp_path: Path) -> tuple[Any, list[str]]:
    path, expected = build(tmp_path / "deck.pptx")
    check_package(path, Limits())
    return read_deck(path), expected


@pytest.mark.parametrize("name", list(corpus.BUILDERS))
def test_every_corpus_deck_reads_all_slides_and_the_text_people_see(
    name: str, tmp_path: Path
) -> None:
    deck, expected = read(corpus.BUILDERS[name], tmp_path)

    assert len(deck.slides) == 16
    slide = deck.slides[corpus.SLIDE - 1]
    assert slide.title == "技能実習制度 1"
    found = texts(slide)
    assert [text for text in expected if text not in found] == []
    assert "COMMENT-NOT-SLIDE-TEXT" not in slide.text
    assert [p.code for p in slide.problems if p.severity == "error"] == []


def test_a_picture_whose_fill_sits_in_alternate_content_is_read_not_a_crash(
    tmp_path: Path,
) -> None:
    deck, _ = read(corpus.picture_in_alternate_content, tmp_path)

    pictures = [b for b in deck.slides[1].blocks if b["type"] == "picture"]
    assert [(b["alt"], b["content_type"]) for b in pictures] == [
        ("inner", "image/png"),
        ("image.png", "image/png"),
        ("3D Model fallback", "image/png"),  # read from the Fallback, not the 3D model
    ]
    assert all(b["sha256"] in deck.pictures for b in pictures)


def test_an_embedded_pdf_is_accepted_and_shows_its_preview(tmp_path: Path) -> None:
    deck, _ = read(corpus.embedded_pdf_object, tmp_path)

    [preview] = [b for b in deck.slides[1].blocks if b.get("alt") == "PDF preview"]
    assert preview["content_type"] == "image/x-emf"
    assert deck.pictures[preview["sha256"]].data == corpus.EMF_PREVIEW


def test_smartart_text_is_one_block_in_outline_order_with_levels(tmp_path: Path) -> None:
    deck, _ = read(corpus.smartart, tmp_path)

    [block] = [
        b
        for b in deck.slides[1].blocks
        if b["type"] == "text" and b["paragraphs"][0]["text"] == "相談する"
    ]
    assert [(p["text"], p["level"]) for p in block["paragraphs"]] == [
        ("相談する", 0),
        ("監理団体", 1),
        ("外国人技能実習機構", 1),
        ("記録する", 0),
        ("解決する", 0),
        ("労働基準監督署", 1),
    ]
    assert "監理団体" in deck.slides[1].text


def test_chart_title_axis_series_and_categories_are_slide_text(tmp_path: Path) -> None:
    deck, _ = read(corpus.chart, tmp_path)

    lines = deck.slides[1].text.splitlines()
    assert lines[-5:] == ["地域別最低賃金", "時間額", "最低賃金（円）", "東京都", "沖縄県"]


def test_an_equation_is_kept_as_text_not_as_its_fallback_picture(tmp_path: Path) -> None:
    deck, _ = read(corpus.equation, tmp_path)

    assert "時給×8=日給" in deck.slides[1].text.splitlines()
    assert len([b for b in deck.slides[1].blocks if b["type"] == "picture"]) == 1  # the deck's own


def test_an_svg_picture_is_shown_through_its_png_fallback(tmp_path: Path) -> None:
    deck, _ = read(corpus.svg_with_png_fallback, tmp_path)

    [graphic] = [b for b in deck.slides[1].blocks if b.get("alt") == "Graphic 2"]
    assert graphic["content_type"] == "image/png"


def test_a_linked_picture_is_left_out_with_a_warning_naming_slide_and_shape(
    tmp_path: Path,
) -> None:
    deck, _ = read(corpus.linked_picture, tmp_path)

    [problem] = deck.slides[1].problems
    assert (problem.severity, problem.code, problem.slide) == ("warning", "picture.linked", 2)
    assert "Linked map" in problem.text() and "insert the picture" in problem.text()
    assert "Linked map" in problem.text("ja")


def test_a_video_shows_its_poster_with_a_note_that_it_is_not_played(tmp_path: Path) -> None:
    deck, _ = read(corpus.video, tmp_path)

    [problem] = deck.slides[1].problems
    assert (problem.severity, problem.code, problem.params) == (
        "info",
        "media.poster",
        {"shape": "Video rules"},
    )


def test_every_corpus_deck_imports_through_the_api(client: TestClient, tmp_path: Path) -> None:
    for number, (name, build) in enumerate(corpus.BUILDERS.items()):
        path, _ = build(tmp_path / f"{name}.pptx")
        response = upload(client, path, "ja")
        assert response.status_code == 201, (name, response.text)
        report = response.json()
        assert report["revision"] == number + 1
        assert sum(m["slides"] for m in report["modules"]) == 16, name


def test_parse_deck_splits_a_corpus_deck_into_the_lecture_modules(tmp_path: Path) -> None:
    path, _ = corpus.ink_zoom_and_morph(tmp_path / "deck.pptx")

    parsed = parse_deck(path, limits=Limits())

    assert [m.code for m in parsed.modules] == ["LP-01", "LP-02", "LP-03", "LP-04"]
    assert not parsed.has_errors
