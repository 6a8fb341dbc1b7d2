"""The trainee import asks before it creates: employers matched by normalised name, new ones
created only when confirmed, languages outside the cohort's refused; trainees and employers
added, edited and merged one at a time; the template to fill in."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import Employer
from app.audit.models import AuditEntry
from app.cohorts.models import Trainee
from app.cohorts.spreadsheet import parse_trainee_file
from app.study.models import StudySession
from tests.cohorts.test_cohort_import_api import ENGLISH_HEADER, NGUYEN, changed, csv_bytes
from tests.conftest import World
from tests.pages import form_token, page, text_of
from tests.records.helpers import publish_sample_decks

MOMOTARO = "株式会社 桃太郎精工"
NO_SPACE = changed(NGUYEN, employer="株式会社桃太郎精工")
TYPO = changed(NGUYEN, number="2026-020", family="PHAM", employer="株式会社桃太朗精工")


def _import(client: TestClient, cohort_id: int, data: bytes, **form: Any) -> Any:
    return client.post(
        f"/api/v1/cohorts/{cohort_id}/import",
        files={"file": ("trainees.csv", data, "text/csv")},
        data=form,
        headers={"Accept-Language": "en"},
    )


def _counts(session_factory: sessionmaker[Session], world: World) -> tuple[int, int]:
    with session_factory() as session:
        return (
            session.scalar(
                select(func.count(Trainee.id)).where(Trainee.cooperative_id == world.coop_a.id)
            )
            or 0,
            session.scalar(
                select(func.count(Employer.id)).where(Employer.cooperative_id == world.coop_a.id)
            )
            or 0,
        )


def test_the_misspelled_employer_waits_and_the_one_without_its_space_is_matched(
    signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    """Held out: 株式会社桃太郎精工 is 株式会社 桃太郎精工; 株式会社桃太朗精工 is listed as a
    probable typo and created only when confirmed."""
    staff = signed_in(world.staff_a)
    known = staff.post("/api/v1/employers", json={"name": MOMOTARO}).json()
    before = _counts(session_factory, world)
    data = csv_bytes([ENGLISH_HEADER, NO_SPACE, TYPO])

    waiting = _import(staff, world.cohort_a.id, data)
    assert waiting.status_code == 409, waiting.text
    report = waiting.json()
    assert report["status"] == "confirm"
    assert report["new_employers"] == [
        {"name": "株式会社桃太朗精工", "suggestion": MOMOTARO, "rows": [3]}
    ]
    assert report["matched_employers"] == [
        {"name": "株式会社桃太郎精工", "employer": MOMOTARO, "rows": [2]}
    ]
    assert (report["would_add"], report["added"]) == (2, [])
    assert _counts(session_factory, world) == before  # nothing written

    confirmed = _import(staff, world.cohort_a.id, data, create_employers=["株式会社桃太朗精工"])
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "imported"
    trainees = {
        t["trainee_number"]: t
        for t in staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/trainees").json()
    }
    assert trainees["2026-015"]["employer_id"] == known["id"]
    assert trainees["2026-020"]["employer_id"] != known["id"]
    assert _counts(session_factory, world) == (before[0] + 2, before[1] + 1)
    # The same file again: nothing new, nothing asked.
    again = _import(staff, world.cohort_a.id, data)
    assert (again.status_code, again.json()["unchanged_rows"]) == (200, [2, 3])


def test_tagalog_for_a_vietnamese_only_cohort_is_a_row_error(
    signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    """Held out: タガログ語 is a language Koshu knows, but not one of this cohort's."""
    staff = signed_in(world.staff_a)
    before = _counts(session_factory, world)
    tagalog = changed(NGUYEN, language="タガログ語", employer="Employer A")
    response = _import(staff, world.cohort_a.id, csv_bytes([ENGLISH_HEADER, tagalog]))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        2,
        "preferred_language",
        "language-not-in-cohort",
    )
    assert "fil" in error["message"] and "vi" in error["message"]
    assert _counts(session_factory, world) == before
    santos = {
        "family_name": "SANTOS",
        "name_katakana": "サントス",
        "nationality": "PH",
        "preferred_language": "fil",
        "date_of_birth": "2001-05-05",
        "trainee_number": "2026-030",
    }
    one = staff.post(f"/api/v1/cohorts/{world.cohort_a.id}/trainees?lang=ja", json=santos)
    assert one.status_code == 422
    assert one.json()["error"]["code"] == "language-not-in-cohort"
    # A clerk reads language names, not tags.
    assert "フィリピノ語" in one.json()["error"]["message"]


def test_the_import_page_lists_new_employers_and_confirms_them(
    signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    staff.post("/api/v1/employers", json={"name": MOMOTARO})
    url = f"/cohorts/{world.cohort_a.id}/import"
    doc = page(staff, url)
    assert doc.xpath('//a[@href="/trainee-template.xlsx"]')
    data = csv_bytes([ENGLISH_HEADER, TYPO])
    response = staff.post(
        url,
        data={"csrf_token": form_token(doc, url)},
        files={"file": ("trainees.csv", data, "text/csv")},
    )
    assert response.status_code == 409
    shown = page_of(response)
    assert "株式会社桃太朗精工" in text_of(shown.xpath('//table[@class="new-employers"]')[0])
    assert "登録済みの 株式会社 桃太郎精工 の入力ミス" in text_of(shown)
    (confirm,) = [f for f in shown.xpath("//form") if f.xpath('.//input[@name="create_employers"]')]
    names = confirm.xpath('.//input[@name="create_employers"]/@value')
    token = confirm.xpath('.//input[@name="csrf_token"]/@value')[0]
    done = staff.post(
        url,
        data={"csrf_token": token, "create_employers": names},
        files={"file": ("trainees.csv", data, "text/csv")},
    )
    assert done.status_code == 200
    assert "2026-020" in [
        t["trainee_number"]
        for t in staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/trainees").json()
    ]


def page_of(response: Any) -> Any:
    from lxml import html

    return html.fromstring(response.text)


def test_trainees_and_employers_one_at_a_time_audited(
    signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    staff = signed_in(world.staff_a)
    twin = staff.post("/api/v1/employers", json={"name": "㈱桃太郎精工"}).json()
    assert staff.post("/api/v1/employers", json={"name": MOMOTARO}).status_code == 409
    kept = staff.post("/api/v1/employers", json={"name": "桃太郎精工 本社"}).json()
    added = staff.post(
        f"/api/v1/cohorts/{world.cohort_a.id}/trainees",
        json={
            "family_name": "LE",
            "given_name": "VAN C",
            "name_katakana": "レ ヴァン チ",
            "nationality": "vn",
            "preferred_language": "vi",
            "date_of_birth": "2002-02-02",
            "trainee_number": "2026-040",
            "employer_id": twin["id"],
        },
    )
    assert added.status_code == 201, added.text
    trainee = added.json()
    edited = staff.put(f"/api/v1/trainees/{trainee['id']}", json={"given_name": "VAN CUONG"})
    assert edited.json()["given_name"] == "VAN CUONG"
    renamed = staff.put(
        f"/api/v1/employers/{kept['id']}", json={"name": "株式会社 桃太郎精工 本社"}
    )
    assert renamed.status_code == 200
    merged = staff.post(
        f"/api/v1/employers/{twin['id']}/merge", json={"into_employer_id": kept["id"]}
    )
    assert merged.json()["id"] == kept["id"]
    assert staff.get(f"/api/v1/trainees/{trainee['id']}").json()["employer_id"] == kept["id"]
    assert staff.get(f"/api/v1/employers/{twin['id']}").status_code == 404
    with session_factory() as session:
        logged = {
            (e.entity, e.action)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.cooperative_id == world.coop_a.id)
            )
        }
    assert {("trainee", "create"), ("trainee", "update"), ("employer", "update")} <= logged
    assert ("employer", "delete") in logged
    # The pages: a trainee's edit form and an employer's merge form.
    trainee_url = f"/trainees/{trainee['id']}"
    form = page(staff, trainee_url)
    saved = staff.post(
        trainee_url,
        data={
            "csrf_token": form_token(form, trainee_url),
            "family_name": "le",
            "given_name": "van cuong",
            "name_katakana": "レ ヴァン クオン",
            "preferred_language": "vi",
            "trainee_number": "2026-040",
            "employer_id": str(kept["id"]),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert (
        staff.get(f"/api/v1/trainees/{trainee['id']}").json()["name_katakana"] == "レ ヴァン クオン"
    )
    assert page(staff, f"/employers/{kept['id']}").xpath(
        f'//form[@action="/employers/{kept["id"]}"]'
    )


def test_the_template_has_both_languages_and_reads_back(signed_in: Any, world: World) -> None:
    response = signed_in(world.staff_a).get("/trainee-template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    headings = [cell.value for cell in workbook.worksheets[0][2]]
    assert headings[0] == "姓（ローマ字）\nFamily name"
    assert "記入方法" in workbook.worksheets[1].title
    parsed = parse_trainee_file(response.content, "template.xlsx")
    assert [e.code for e in parsed.errors] == ["no-rows"]  # headings read, no trainee yet


def test_a_trainee_registered_twice_is_merged_while_nothing_is_recorded(
    signed_in: Any,
    world: World,
    client: TestClient,
    decks: Path,
    session_factory: sessionmaker[Session],
) -> None:
    staff = signed_in(world.staff_a)
    twice = staff.post(
        f"/api/v1/cohorts/{world.cohort_a.id}/trainees",
        json={
            "family_name": "FAMILYA",
            "given_name": "VAN AN",
            "name_katakana": "グエン",
            "nationality": "VN",
            "preferred_language": "vi",
            "date_of_birth": "2002-04-01",
            "trainee_number": "A-001-2",
        },
    ).json()
    publish_sample_decks(client, decks)
    with session_factory() as session:  # the trainee of the world has studied on their own
        now = datetime.now(UTC)
        session.add(
            StudySession(
                trainee_id=world.trainee_a.id,
                revision_id=1,
                module_code="LP-01",
                started_at=now,
                last_seen_at=now,
            )
        )
        session.commit()
    refused = staff.post(
        f"/api/v1/trainees/{world.trainee_a.id}/merge", json={"into_trainee_id": twice["id"]}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "trainee-has-records")
    url = f"/trainees/{twice['id']}"
    token = form_token(page(staff, url), f"{url}/merge")
    merged = staff.post(
        f"{url}/merge",
        data={"csrf_token": token, "into_trainee_id": str(world.trainee_a.id)},
        follow_redirects=False,
    )
    assert merged.headers["location"] == f"/trainees/{world.trainee_a.id}?saved=1"
    assert staff.get(f"/api/v1/trainees/{twice['id']}").status_code == 404
