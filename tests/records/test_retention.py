"""Retention that cannot be walked around: a cohort's dates once records exist."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lxml import html

from app import clock
from tests.conftest import World
from tests.pages import form_token, page, text_of
from tests.records.helpers import publish_sample_decks


def test_moving_the_programme_end_back_does_not_shorten_retention(
    client: TestClient, decks: Path, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    cohort = f"/api/v1/cohorts/{world.cohort_a.id}"
    # Before any record, dates change freely; an end before arrival never does.
    ended = staff.put(cohort, json={"arrival_date": "2026-11-28", "programme_end": "2029-12-31"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["retention_end"] == "2029-12-31"
    early = staff.put(f"{cohort}?lang=en", json={"programme_end": "2026-11-01"})
    assert early.status_code == 422
    assert "arrival" in early.json()["error"]["message"]

    publish_sample_decks(client, decks)  # a minute of self-study: the cohort now has records
    trainee = signed_in(world.trainee_a)
    study = "/api/v1/study/legal-protection/modules/LP-02/ping"
    assert trainee.post(study, json={}).status_code == 200

    moved = {"programme_end": "2028-12-31"}
    refused = staff.put(cohort, json=moved)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "dates-need-reason"
    accepted = staff.put(cohort, json={**moved, "reason": "契約期間の短縮"})
    assert accepted.status_code == 200
    assert accepted.json()["programme_end"] == "2028-12-31"
    assert accepted.json()["retention_end"] == "2029-12-31"
    entry = next(e for e in staff.get("/api/v1/audit").json() if e["entity"] == "cohort")
    assert entry["changes"]["reason"] == "契約期間の短縮"

    # The cohort's page asks for the reason too, and keeps the date otherwise.
    doc = page(staff, f"/cohorts/{world.cohort_a.id}?lang=en")
    form = {
        "csrf_token": form_token(doc, f"/cohorts/{world.cohort_a.id}"),
        "name": "Cohort A",
        "programme_end": "2028-06-30",
    }
    asked = staff.post(f"/cohorts/{world.cohort_a.id}?lang=en", data=form)
    assert asked.status_code == 422 and "say why" in text_of(html.fromstring(asked.text))
    assert staff.get(cohort).json()["programme_end"] == "2028-12-31"

    # A year past the new end, but not past the latest one ever recorded.
    clock.advance((datetime(2030, 1, 2, tzinfo=UTC) - clock.now()).total_seconds())
    staff = signed_in(world.staff_a)
    purge = staff.delete(f"{cohort}/records?lang=en")
    assert purge.status_code == 409
    message = purge.json()["error"]["message"]
    assert "2031-01-01" in message and "2029-12-31" in message and "2028-12-31" in message
    assert staff.get(cohort).status_code == 200
