"""The cohort pages choose the course by name and set the language chains."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import World
from tests.pages import form_token, page, text_of


def test_a_cohort_is_created_for_a_course_with_fallback_languages_and_trainees_override_them(
    signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    doc = page(staff, "/cohorts?lang=en")
    response = staff.post(
        "/cohorts",
        data={
            "csrf_token": form_token(doc, "/cohorts"),
            "name": "2027 April intake",
            "languages": ["km"],
            "course_code": "ikusei-legal-protection",
            "fallback_languages": "en, vi",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cohort_id = int(re.fullmatch(r"/cohorts/(\d+)\?saved=1", response.headers["location"])[1])
    created = staff.get(f"/api/v1/cohorts/{cohort_id}").json()
    assert (created["course_code"], created["fallback_languages"]) == (
        "ikusei-legal-protection",
        ["en", "vi"],
    )
    shown = text_of(page(staff, f"/cohorts/{cohort_id}?lang=en"))
    assert "Legal-protection lecture (Employment for Skill Development)" in shown
    assert "English → Vietnamese (Tiếng Việt) → Japanese (日本語)" in shown
    # Nothing of that course is published yet: the page says so.
    assert "has no published revision yet" in shown

    # Cohort A's trainee gets their own chain from the trainee row; a bad tag is refused.
    url = f"/cohorts/{world.cohort_a.id}"
    action = f"/trainees/{world.trainee_a.id}/languages"
    token = form_token(page(staff, url), action)
    saved = staff.post(
        action, data={"csrf_token": token, "fallback_languages": "ja"}, follow_redirects=False
    )
    assert saved.status_code == 303
    trainee = staff.get(f"/api/v1/trainees/{world.trainee_a.id}").json()
    assert trainee["fallback_languages"] == ["ja"]
    refused = staff.post(
        action + "?lang=en", data={"csrf_token": token, "fallback_languages": "klingon"}
    )
    assert refused.status_code == 422
    assert "klingon is not a language Koshu knows" in refused.text
    assert staff.get(f"/api/v1/trainees/{world.trainee_a.id}").json()["fallback_languages"] == [
        "ja"
    ]
