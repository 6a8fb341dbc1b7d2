"""Names carry no control characters, exports never start a cell with a formula, and links
are http(s) only: the same rules for the API, the page forms and spreadsheet imports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.cohorts.models import Trainee
from app.cohorts.service import spreadsheet_safe
from app.hygiene import is_web_url, text_problem
from app.lectures.models import Lecture
from tests.conftest import World, upload

HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
    "https://",
    "http:///path-only",
]


@pytest.mark.parametrize(
    "value",
    [
        "\n=1+2",
        "\r\n=1+2",
        "\t=1+2",
        " \t\n@SUM(A1)",
        "\u3000＝1+2",
        "\u200b=1+2",
        "\u00a0+81",
        "\x0b-1",
        "\x00=1",
        "=1+2",
    ],
)
def test_a_formula_behind_any_leading_blank_or_control_is_written_inert(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["NGUYEN", "グエン ヴァン アン", "2026-015", "a-b", "x=y", ""])
def test_ordinary_values_are_written_as_they_are(value: str) -> None:
    assert spreadsheet_safe(value) == value


def test_names_with_control_characters_or_direction_overrides_are_refused(
    signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    for name in ("NGUYEN\n=1+2", "NGUYEN\x07", "\u202eNEYUGN", "NGUYEN\u2066"):
        edited = staff.put(f"/api/v1/trainees/{world.trainee_a.id}", json={"family_name": name})
        assert edited.status_code == 422, name
        # Checked on the column too, so routes without a typed schema refuse it as well.
        employer = staff.post("/api/v1/employers", json={"name": name})
        assert employer.status_code == 422, name
        assert employer.json()["error"]["code"] == "invalid-text"
    kept = staff.get(f"/api/v1/trainees/{world.trainee_a.id}").json()
    assert not text_problem(kept["family_name"])
    # Scripts written without spaces use invisible joiners and breaks; those stay allowed.
    khmer = "សុខ\u200bសាន្ត"
    assert staff.post("/api/v1/employers", json={"name": khmer}).status_code == 201


def test_an_imported_name_with_a_direction_override_is_reported_on_its_row(
    signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    data = (
        "trainee number,family name,given name,katakana,nationality,language,date of birth,"
        "employer\r\n2026-015,NGUYEN,VAN AN,グエン,VN,vi,1999-04-01,岡山\u202e研技\r\n"
    )
    response = staff.post(
        f"/api/v1/cohorts/{world.cohort_a.id}/import",
        files={"file": ("trainees.csv", data.encode("utf-8-sig"), "text/csv")},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        2,
        "employer",
        "control-characters",
    )


def test_an_old_name_with_a_line_feed_formula_is_exported_inert(
    signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    # Stored before these rules (or by hand in the database): the export still quotes it.
    with session_factory() as session:
        session.execute(
            update(Trainee).where(Trainee.id == world.trainee_a.id).values(given_name="\n=1+2")
        )
        session.commit()
    staff = signed_in(world.staff_a)
    response = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/trainees.csv")
    _header, row = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert row[2] == "'\n=1+2"


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_hostile_links_are_not_web_links(link: str) -> None:
    assert not is_web_url(link)


@pytest.mark.parametrize(
    "link", ["https://zoom.us/j/123?pwd=x", "http://192.0.2.1:8080/live", "HTTPS://Teams.example"]
)
def test_http_and_https_links_are_web_links(link: str) -> None:
    assert is_web_url(link)


@pytest.fixture
def published(client: TestClient, decks: Path) -> TestClient:
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    assert (
        client.post("/api/v1/courses/legal-protection/revisions/1/publish?confirm=true").status_code
        == 200
    )
    return client


def _lecture(world: World, **fields: Any) -> dict[str, Any]:
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    return {
        "lecturer_id": world.lecturer.id,
        "cohort_ids": [world.cohort_a.id],
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=2)).isoformat(),
        "delivery": "live-video",
        "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
        **fields,
    }


def test_a_lecture_link_must_be_http_or_https_in_the_api_and_the_form(
    published: TestClient, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    for link in HOSTILE_LINKS:
        response = staff.post("/api/v1/lectures", json=_lecture(world, online_url=link))
        assert response.status_code == 422, link
    good = staff.post("/api/v1/lectures", json=_lecture(world, online_url="https://zoom.us/j/1"))
    assert good.status_code == 201

    listing = staff.get("/lectures?lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', listing.text)
    assert token
    form = {
        "csrf_token": token.group(1),
        "course": "legal-protection",
        "lecturer_id": str(world.lecturer.id),
        "day": "2026-12-03",
        "start_time": "09:00",
        "end_time": "12:30",
        "cohort_ids": [str(world.cohort_a.id)],
        "delivery": "live-video",
        "online_url": "javascript:alert(document.cookie)",
        "interpreter_name": "Le Thi Mai",
        "interpreter_language": "vi",
    }
    refused = staff.post("/lectures", data=form, follow_redirects=False)
    assert refused.status_code == 422
    message = html.fromstring(refused.text).xpath('//p[@class="error"]')[0].text_content()
    assert "http://" in message
    assert len(staff.get("/api/v1/lectures").json()) == 1


def test_a_stored_non_web_link_is_shown_as_text_never_as_a_link(
    published: TestClient, signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    staff = signed_in(world.staff_a)
    lecture = staff.post("/api/v1/lectures", json=_lecture(world, online_url="https://x.example"))
    with session_factory() as session:
        session.execute(
            update(Lecture)
            .where(Lecture.id == lecture.json()["id"])
            .values(online_url="javascript:alert(1)")
        )
        session.commit()
    for viewer in (staff, published, signed_in(world.lecturer)):
        doc = html.fromstring(viewer.get(f"/lectures/{lecture.json()['id']}?lang=en").text)
        assert not doc.xpath(
            '//a[starts-with(translate(@href, "JAVSCRIPT", "javscript"), "javascript")]'
        )
        assert "javascript:alert(1)" in doc.text_content()
