"""Lecturers' affiliations linked to the organisations Koshu knows, whatever the entry point,
and their profile history read on the lecture's date by the independence check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.accounts.lecturers import LecturerView, view_on
from app.accounts.names import edit_distance, match, name_key
from app.config import Settings
from tests.conftest import PASSWORD, World, koshu
from tests.lectures.test_afterwards import BLOCKS
from tests.records.helpers import publish_sample_decks

LECTURER_PASSWORD = "director-password-1"


def test_names_match_across_width_spaces_and_legal_forms() -> None:
    same = [
        "株式会社 桃太郎精工",
        "株式会社桃太郎精工",
        "㈱桃太郎精工",
        "（株）桃太郎精工",
        "株式会社　桃太郎精工",
    ]
    assert {name_key(name) for name in same} == {"株式会社桃太郎精工"}
    assert name_key("ＣＯＯＰ　Ａ") == name_key("Coop A")
    assert edit_distance("株式会社桃太郎精工", "株式会社桃太朗精工", 2) == 1
    (typo,) = match("株式会社桃太朗精工", [("株式会社 桃太郎精工", 1), ("岡山農園", 2)])
    assert (typo.item, typo.exact) == (1, False)
    assert match("瀬戸内造船", [("株式会社 桃太郎精工", 1)]) == []


def test_the_version_of_the_lecture_date_is_read() -> None:
    first = LecturerView(1, "A", "attorney", "", [{"cooperative_id": 1}], None)
    second = LecturerView(1, "A", "attorney", "", [], date(2026, 12, 10))
    current = LecturerView(1, "A", "other", "", [], date(2027, 1, 1))
    assert view_on(current, [first, second], date(2026, 12, 3)) is first
    assert view_on(current, [first, second], date(2026, 12, 10)) is second
    assert view_on(current, [first, second], date(2027, 1, 1)) is current


def _compliance_reasons(staff: TestClient, cohort_id: int) -> list[str]:
    (row,) = staff.get(f"/api/v1/cohorts/{cohort_id}/compliance").json()["trainees"]
    return [reason["code"] for reason in row["reasons"]]


def test_a_director_registered_by_the_command_line_does_not_teach_their_cooperative(
    settings: Settings, world: World, client: TestClient, decks: Path, signed_in: Any
) -> None:
    """Held out: the lecturer typed as a director of cooperative A is linked to A, and A's
    lecture by them does not count, until a later profile (and only from its date)."""
    created = koshu(
        settings,
        "create-user",
        "--role",
        "lecturer",
        "--email",
        "director@example.org",
        "--name",
        "理事 一郎",
        "--qualification",
        "administrative-scrivener",
        "--affiliation",
        "ＣＯＯＰ　Ａ",  # cooperative A's name, typed in full width
        "--password",
        LECTURER_PASSWORD,
    )
    assert created.returncode == 0, created.stderr
    assert f"Coop A (cooperative {world.coop_a.id})" in created.stdout
    admin = client
    publish_sample_decks(admin, decks)
    lecturer_id = next(
        u["id"] for u in admin.get("/api/v1/users").json() if u["email"] == "director@example.org"
    )
    profile = admin.get(f"/api/v1/lecturers/{lecturer_id}").json()
    assert [(a["name"], a["cooperative_id"]) for a in profile["affiliations"]] == [
        ("Coop A", world.coop_a.id)
    ]

    staff = signed_in(world.staff_a)
    plan = {
        "lecturer_id": lecturer_id,
        "cohort_ids": [world.cohort_a.id],
        "scheduled_start": "2026-12-03T00:00:00+00:00",
        "scheduled_end": "2026-12-03T07:00:00+00:00",
        "modules": ["LP-01", "LP-02", "LP-03"],
        "venue": "岡山",
    }
    # Scheduling already warns: the linked affiliation is what the check reads.
    held = staff.post("/api/v1/lectures", json=plan)
    assert held.status_code == 409
    assert "lecturer-not-independent" in {w["code"] for w in held.json()["error"]["warnings"]}
    lecture = staff.post("/api/v1/lectures", json={**plan, "acknowledge_warnings": True}).json()
    recorded = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"via": "paper", "blocks": BLOCKS, "attendees": [{"trainee_id": world.trainee_a.id}]},
    )
    assert recorded.status_code == 200, recorded.text
    confirmed = admin.post(
        f"/api/v1/lectures/{lecture['id']}/confirm",
        json={"acknowledge_shortfalls": True, "confirm": True},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert "lecturer-not-independent" in _compliance_reasons(staff, world.cohort_a.id)

    # The director leaves the board on 12-10: the lecture of 12-03 still does not count.
    left = admin.put(
        f"/api/v1/lecturers/{lecturer_id}", json={"valid_from": "2026-12-10", "affiliations": []}
    )
    assert left.status_code == 200, left.text
    assert left.json()["earlier"][0]["affiliations"][0]["cooperative_id"] == world.coop_a.id
    assert "lecturer-not-independent" in _compliance_reasons(staff, world.cohort_a.id)
    earlier = admin.put(f"/api/v1/lecturers/{lecturer_id}", json={"valid_from": "2026-12-01"})
    assert earlier.status_code == 422
    assert earlier.json()["error"]["code"] == "profile-date-too-early"
    # From the command line too: an adviser of employer A from 2027 on.
    adviser = koshu(
        settings,
        "update-lecturer",
        "director@example.org",
        "--from",
        "2027-01-01",
        "--affiliation",
        "employer a 顧問",
    )
    assert adviser.returncode == 0, adviser.stderr
    assert f"Employer A (implementing organisation {world.employer_a.id}, 顧問)" in adviser.stdout


def test_a_name_that_only_resembles_a_known_one_is_refused_with_a_suggestion(
    client: TestClient, world: World
) -> None:
    body = {
        "role": "lecturer",
        "email": "adviser@example.org",
        "display_name": "顧問 花子",
        "password": PASSWORD,
        "qualification": "attorney",
        "affiliations": [{"name": "Coop X", "role": "顧問"}],
    }
    refused = client.post("/api/v1/users", json=body, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "affiliation-looks-known"
    assert "Coop A" in refused.json()["error"]["message"]
    body["affiliations"] = [{"name": "Coop X", "outside": True}]
    assert client.post("/api/v1/users", json=body).status_code == 201


def test_the_lecturer_page_changes_the_profile_from_a_date(
    client: TestClient, world: World
) -> None:
    from tests.pages import form_token, page

    url = f"/lecturers/{world.lecturer.id}"
    token = form_token(page(client, url), url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "display_name": "Lecturer",
            "qualification": "attorney",
            "valid_from": "2026-12-10",
            "aff_org": [f"employer:{world.employer_a.id}", ""],
            "aff_name": ["", ""],
            "aff_role": ["顧問", ""],
            "aff_since": ["2026-12-10", ""],
            "aff_until": ["", ""],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    doc = page(client, url + "?lang=en")
    assert "Employer A" in doc.text_content() and "Earlier versions" in doc.text_content()
