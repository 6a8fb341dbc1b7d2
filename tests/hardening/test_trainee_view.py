"""Answer keys, speaker notes and hidden slides are for lecturers, staff and admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import deckmaker
from tests.conftest import World, upload

NOTE = "講師メモ：答えはA"
HIDDEN = "非表示の下書き"
MODULE = "/api/v1/courses/legal-protection/revisions/1/modules/LP-02"


@pytest.fixture
def deck_with_secrets(client: TestClient, tmp_path: Path) -> TestClient:
    """The sample lecture with notes on a slide and a hidden slide in LP-02, published."""
    modules = deckmaker.lecture("ja")
    _, slides = modules[1]
    slides[1].notes = NOTE
    slides.insert(2, deckmaker.S(HIDDEN, ["まだ見せない"], hidden=True))
    deckmaker.build(tmp_path / "secrets.pptx", modules)
    assert upload(client, tmp_path / "secrets.pptx", "ja").status_code == 201
    assert (
        client.post("/api/v1/courses/legal-protection/revisions/1/publish?confirm=true").status_code
        == 200
    )
    return client


def test_lecturers_see_a_module_whole(
    deck_with_secrets: TestClient, signed_in: Any, world: World
) -> None:
    for user in (world.lecturer, world.staff_a):
        module = signed_in(user).get(MODULE).json()
        assert any(s["notes"] == NOTE for s in module["slides"])
        assert any(s["hidden"] and s["title"] == HIDDEN for s in module["slides"])
        quizzes = [s["quiz"] for s in module["slides"] if s["quiz"]]
        assert quizzes and all(q["answer"] == "A" for q in quizzes)


def test_a_trainee_reads_a_module_without_answers_notes_or_hidden_slides(
    deck_with_secrets: TestClient, signed_in: Any, world: World
) -> None:
    trainee = signed_in(world.trainee_a)
    response = trainee.get(MODULE, params={"language": "ja"})
    assert response.status_code == 200
    module = response.json()
    assert module["slides"], "the trainee still reads the module"
    assert NOTE not in response.text and HIDDEN not in response.text
    assert all(not s["hidden"] and s["notes"] == "" for s in module["slides"])
    quizzes = [s["quiz"] for s in module["slides"] if s["quiz"]]
    assert quizzes, "quiz questions and choices are still there"
    assert all("answer" not in q and q["choices"] for q in quizzes)


def test_diffs_and_import_reports_are_not_for_trainees(
    deck_with_secrets: TestClient, signed_in: Any, world: World
) -> None:
    """Both show changed notes, hidden slides and quiz answers."""
    trainee = signed_in(world.trainee_a)
    assert trainee.get("/api/v1/courses/legal-protection/revisions/1/diff/1").status_code == 403
    assert trainee.get("/api/v1/courses/legal-protection/imports/1").status_code == 403
    assert deck_with_secrets.get("/api/v1/courses/legal-protection/imports/1").status_code == 200


def test_a_trainee_s_phone_shows_no_notes_of_the_slide_on_screen(
    deck_with_secrets: TestClient, signed_in: Any, world: World
) -> None:
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    lecture = (
        signed_in(world.staff_a)
        .post(
            "/api/v1/lectures",
            json={
                "lecturer_id": world.lecturer.id,
                "cohort_ids": [world.cohort_a.id],
                "scheduled_start": start.isoformat(),
                "scheduled_end": (start + timedelta(hours=2)).isoformat(),
                "modules": ["LP-02"],
                "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
            },
        )
        .json()
    )
    lecturer = signed_in(world.lecturer)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    trainee = signed_in(world.trainee_a)
    for step in range(4):  # through LP-02, past the slide with notes; the hidden one is skipped
        fragment = trainee.get(f"/t/lectures/{lecture['id']}/slide")
        assert fragment.status_code == 200
        assert NOTE not in fragment.text and HIDDEN not in fragment.text, step
        assert lecturer.post(f"{base}/slide", json={"step": 1}).status_code == 200
