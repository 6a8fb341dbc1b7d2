"""Master decks imported at the same time become consecutive revisions, never a 500."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import upload
from tests.hardening.parallel import copies, together


def test_master_decks_imported_at_once_get_consecutive_revisions(
    client: TestClient, decks: Path
) -> None:
    decks_in_turn = [decks / "ja.pptx", decks / "ja-revised.pptx"] * 2
    turn = iter(decks_in_turn)
    lock = threading.Lock()

    def import_one(browser: TestClient) -> Any:
        with lock:
            deck = next(turn)
        return upload(browser, deck, "ja")

    responses = together(copies(client, len(decks_in_turn)), import_one)
    assert [r.status_code for r in responses] == [201] * len(decks_in_turn), [
        r.text for r in responses
    ]
    assert sorted(r.json()["revision"] for r in responses) == [1, 2, 3, 4]
    revisions = client.get("/api/v1/courses/legal-protection/revisions").json()
    assert [r["number"] for r in revisions] == [4, 3, 2, 1]


def test_the_first_requests_for_a_course_create_it_once(client: TestClient) -> None:
    responses = together(copies(client, 8), lambda b: b.get("/api/v1/courses/legal-protection"))
    assert [r.status_code for r in responses] == [200] * 8
