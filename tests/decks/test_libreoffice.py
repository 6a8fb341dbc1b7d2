"""Decks LibreOffice writes: the sample decks of ``slides/``, opened in Impress and saved again
as .pptx through its filters, read to the same slides, text, notes and pictures.

LibreOffice keeps neither PowerPoint sections nor section-header layouts, so such a deck comes
back as one module; what a lecturer sees on each slide must not change.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.decks.api import parse_deck
from app.decks.safety import Limits
from tests.conftest import soffice_or_skip, upload

pytestmark = [pytest.mark.rendering, pytest.mark.slow]

SAMPLES = PROJECT_ROOT / "slides"


def convert(soffice: str, source: Path, target_format: str, folder: Path) -> Path:
    """Convert with LibreOffice's own filters, in a private profile; return the new file."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = (folder.parent / "lo-profile").resolve().as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target_format,
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    [converted] = folder.glob(f"{source.stem}.*")
    return converted


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample deck through Impress: .pptx -> .odp -> .pptx (Impress MS PowerPoint 2007 XML)."""
    soffice = soffice_or_skip()
    folder = tmp_path_factory.mktemp("libreoffice")
    decks = {}
    for language in ("ja", "vi"):
        source = SAMPLES / f"legal-protection.{language}.pptx"
        odp = convert(soffice, source, "odp", folder / f"odp-{language}")
        decks[language] = convert(
            soffice, odp, "pptx:Impress MS PowerPoint 2007 XML", folder / f"pptx-{language}"
        )
    return decks


@pytest.mark.parametrize("language", ["ja", "vi"])
def test_a_deck_saved_by_libreoffice_reads_to_the_same_slides(
    resaved: dict[str, Path], language: str
) -> None:
    original = parse_deck(SAMPLES / f"legal-protection.{language}.pptx", limits=Limits())
    converted = parse_deck(resaved[language], limits=Limits())

    def seen(parsed: object) -> list[tuple[str, str, str, str]]:
        return [
            (s.kind, s.content.title, s.content.text, s.content.notes)
            for m in parsed.modules  # type: ignore[attr-defined]
            for s in m.slides
        ]

    assert converted.slide_count == original.slide_count
    assert seen(converted) == seen(original)
    assert len(converted.pictures) == len(original.pictures)
    assert [p.code for p in converted.problems if p.severity == "error"] == []


def test_a_deck_saved_by_libreoffice_imports_through_the_api(
    client: TestClient, resaved: dict[str, Path]
) -> None:
    response = upload(client, resaved["ja"], "ja")

    assert response.status_code == 201, response.text
    assert sum(m["slides"] for m in response.json()["modules"]) == 45
