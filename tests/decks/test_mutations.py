"""No damaged deck reaches a traceback: every mutation is accepted or refused with a report,
through the reader, the HTTP upload API (never a 500) and the command line (exit 0 or 2)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.decks.api import parse_deck
from app.decks.problems import DeckRejected
from app.decks.safety import Limits
from tests import deckmaker
from tests.conftest import koshu, upload
from tests.decks import corpus, mutations

SEED = 20261130


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A plain lecture and decks with SmartArt, a chart and pictures in alternate content."""
    folder = tmp_path_factory.mktemp("bases")
    plain = deckmaker.build(folder / "plain.pptx", deckmaker.lecture("ja"))
    built = [
        build(folder / f"{build.__name__}.pptx")[0]
        for build in (corpus.smartart, corpus.chart, corpus.picture_in_alternate_content)
    ]
    return [plain, *built]


def outcome(path: Path) -> str:
    """Parse the deck; return "accepted" or "refused", failing on any other exception."""
    try:
        parsed = parse_deck(path, limits=Limits())
    except DeckRejected as rejected:
        assert rejected.problems
        for problem in rejected.problems:
            assert problem.severity == "error"
            assert problem.text().strip() and problem.text("ja").strip()
        return "refused"
    for problem in parsed.problems:
        assert problem.text().strip() and problem.text("ja").strip()
    return "refused" if parsed.has_errors else "accepted"


def test_every_mutated_deck_is_accepted_or_refused_with_a_report(
    bases: list[Path], tmp_path: Path
) -> None:
    outcomes: Counter[tuple[str, str]] = Counter()
    for label, path in mutations.mutated(bases, tmp_path, per_kind=4, seed=SEED):
        kind = label.split("-", 1)[1].rsplit("-", 1)[0]
        outcomes[(kind, outcome(path))] += 1
    assert sum(outcomes.values()) == len(bases) * len(mutations.MUTATIONS) * 4
    # The mutations really damage decks, and damage the reader can live with is lived with.
    assert outcomes[("truncate", "refused")] == len(bases) * 4
    assert sum(n for (_, result), n in outcomes.items() if result == "accepted") > 0


def test_mutated_decks_uploaded_through_the_api_never_answer_500(
    client: TestClient, bases: list[Path], tmp_path: Path
) -> None:
    statuses: Counter[int] = Counter()
    for label, path in mutations.mutated(bases[:2], tmp_path, per_kind=2, seed=SEED + 1):
        response = upload(client, path, "ja")
        statuses[response.status_code] += 1
        assert response.status_code in (201, 422), (label, response.text)
        report = response.json()
        assert report["status"] == ("accepted" if response.status_code == 201 else "rejected")
        if response.status_code == 422:
            assert report["problems"] and all(p["message"] for p in report["problems"])
    assert statuses[422] > 0


@pytest.mark.slow
def test_mutated_decks_imported_on_the_command_line_exit_0_or_2_without_a_traceback(
    settings: Settings, bases: list[Path], tmp_path: Path
) -> None:
    decks = list(mutations.mutated(bases[1:2], tmp_path, per_kind=1, seed=SEED + 2))
    for label, path in decks:
        done = koshu(
            settings,
            "import",
            str(path),
            "--course",
            "legal-protection",
            "--language",
            "ja",
            "--json",
        )
        assert done.returncode in (0, 2), (label, done.stderr)
        assert "Traceback" not in done.stderr, (label, done.stderr)
        report = json.loads(done.stdout)
        assert report["status"] == ("accepted" if done.returncode == 0 else "rejected")
