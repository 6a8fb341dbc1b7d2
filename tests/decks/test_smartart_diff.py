"""SmartArt text is slide text: a change to it shows up in the revision diff like any other."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import upload
from tests.decks import corpus

DIFF = "/api/v1/courses/legal-protection/revisions/{a}/diff/{b}"


def test_a_changed_smartart_step_is_listed_in_the_revision_diff(
    client: TestClient, tmp_path: Path
) -> None:
    first, _ = corpus.smartart(tmp_path / "v1.pptx")
    revised_steps = [*corpus.SMARTART_STEPS[:2], ("解決する", ["地方出入国在留管理局"])]
    second, _ = corpus.smartart(tmp_path / "v2.pptx", revised_steps)
    assert upload(client, first, "ja").status_code == 201
    assert upload(client, second, "ja").status_code == 201

    diff = client.get(DIFF.format(a=1, b=2))

    assert diff.status_code == 200, diff.text
    assert diff.json()["summary"] == {"added": 0, "removed": 0, "changed": 1}
    [module] = [m for m in diff.json()["modules"] if m["status"] == "changed"]
    [language] = module["languages"]
    [change] = language["changed"]
    assert module["code"] == "LP-01" and change["new_slide"] == corpus.SLIDE
    assert "労働基準監督署" in change["old_text"] and "労働基準監督署" not in change["new_text"]
    assert "地方出入国在留管理局" in change["new_text"]


def test_an_unchanged_smartart_deck_diffs_as_unchanged(client: TestClient, tmp_path: Path) -> None:
    deck, _ = corpus.smartart(tmp_path / "v1.pptx")
    again, _ = corpus.smartart(tmp_path / "v2.pptx")
    assert upload(client, deck, "ja").status_code == 201
    assert upload(client, again, "ja").status_code == 201

    diff = client.get(DIFF.format(a=1, b=2)).json()

    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 0}
