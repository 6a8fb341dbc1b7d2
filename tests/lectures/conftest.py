"""A published lecture course and a scheduled lecture of cohort A, through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World, upload


@pytest.fixture
def published(client: TestClient, decks: Path) -> TestClient:
    """The sample lecture in ja and vi, revision 1 published (as the admin client)."""
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    assert upload(client, decks / "vi.pptx", "vi").status_code == 201
    assert (
        client.post("/api/v1/courses/legal-protection/revisions/1/publish?confirm=true").status_code
        == 200
    )
    return client


@pytest.fixture
def lecture(published: TestClient, signed_in: Any, world: World) -> dict[str, Any]:
    staff = signed_in(world.staff_a)
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    response = staff.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "scheduled_start": start.isoformat(),
            "scheduled_end": (start + timedelta(hours=2)).isoformat(),
            "modules": ["LP-02", "LP-03"],
            "venue": "岡山国際交流センター 3F",
            "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()
