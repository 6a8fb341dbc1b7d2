"""Training records through the API: compliance, the XLSX record, xAPI, retention."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from app import clock
from tests.conftest import World
from tests.records.helpers import publish_sample_decks

MODULES = ["LP-01", "LP-02", "LP-03", "LP-04"]
AREAS = ["training-act", "immigration", "labour", "protection"]
LECTURE_DAY = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 09:00 in Japan, inside the period


@pytest.fixture
def taught(client: TestClient, decks: Path, signed_in: Any, world: World) -> dict[str, Any]:
    """Trainee A attends one lecture covering all four modules for 125 minutes each."""
    publish_sample_decks(client, decks)
    clock.advance((LECTURE_DAY - clock.now()).total_seconds())
    staff, lecturer = signed_in(world.staff_a), signed_in(world.lecturer)
    trainee = signed_in(world.trainee_a)
    lecture = staff.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "scheduled_start": LECTURE_DAY.isoformat(),
            "scheduled_end": (LECTURE_DAY + timedelta(hours=9)).isoformat(),
            "modules": MODULES,
            "venue": "岡山国際交流センター",
            "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
        },
    ).json()
    base = f"/api/v1/lectures/{lecture['id']}"
    lecturer.post(f"{base}/start")
    trainee.post(f"{base}/ping", json={})
    for index, module in enumerate(MODULES):
        if index:
            lecturer.post(f"{base}/slide", json={"module": module, "position": 1})
        for _ in range(150):  # 125 minutes, pinging every 50 s (within the 60 s gap limit)
            clock.advance(50)
            assert trainee.post(f"{base}/ping", json={}).status_code == 200
    lecturer.post(f"{base}/end")
    assert lecturer.post(f"{base}/confirm", json={"confirm": True}).status_code == 200
    return lecture


def test_a_trainee_who_attended_everything_is_complete(
    taught: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    report = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/compliance").json()
    (row,) = report["trainees"]
    assert row["status"] == "complete"
    assert row["minutes"] == dict.fromkeys(AREAS, 125)
    assert (row["total"], row["reasons"], row["languages"], row["revisions"]) == (
        500,
        [],
        ["vi"],
        [1],
    )
    assert (
        signed_in(world.staff_b).get(f"/api/v1/cohorts/{world.cohort_a.id}/compliance").status_code
        == 404
    )


def test_the_xlsx_record_matches_the_lecture(
    taught: dict[str, Any], signed_in: Any, world: World
) -> None:
    response = signed_in(world.staff_a).get(f"/api/v1/cohorts/{world.cohort_a.id}/record.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["入国後講習実施記録"]
    cells = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=3, max_row=9)}
    assert cells["監理団体名"] == "Coop A"
    assert cells["受講グループ"] == "Cohort A"
    header_row = next(r for r in sheet.iter_rows() if r[0].value == "実施日")
    headers = [cell.value for cell in header_row]
    rows = [
        dict(zip(headers, [cell.value for cell in row], strict=True))
        for row in sheet.iter_rows(min_row=header_row[0].row + 1)
    ]
    assert [r["科目"] for r in rows] == [
        "技能実習法及び制度",
        "出入国管理及び難民認定法",
        "労働関係法令",
        "その他保護に必要な情報",
    ]
    first = rows[0]
    # A date cell reads back as a datetime at midnight, a time cell as a time.
    assert (first["実施日"], first["開始時刻"], first["時間（分）"]) == (
        datetime(2026, 12, 3),
        time(9, 0),
        125,
    )
    assert [r["開始時刻"] for r in rows][1:] != [first["開始時刻"]] * 3  # each area its own time
    assert (first["講師氏名"], first["講師の資格"]) == ("Lecturer", "弁護士")
    assert first["通訳者（言語）"] == "Le Thi Mai（ベトナム語）"
    assert first["受講者（受講分数・記録方法）"] == "FAMILYA VAN AN（125分・端末）"
    assert first["内容（モジュール）"].startswith("LP-01")
    assert "LP-02" not in first["内容（モジュール）"]
    per_trainee = workbook["受講者別"]
    values = [cell.value for cell in next(per_trainee.iter_rows(min_row=2, max_row=2))]
    assert values[:2] == ["A-001", "FAMILYA VAN AN"]
    assert 500 in values


def test_a_correction_keeps_the_old_value_in_the_record(
    taught: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    base = f"/api/v1/lectures/{taught['id']}"
    assert (
        staff.put(
            f"{base}/roster/{world.trainee_a.id}",
            json={"status": "late", "minutes": 30, "reason": "遅刻の記録漏れ"},
        ).status_code
        == 200
    )
    csv_text = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/record.csv").text
    assert "125分→95分（遅刻の記録漏れ" in csv_text
    row = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/compliance").json()["trainees"][0]
    assert row["minutes"]["training-act"] == 95
    assert row["status"] == "in-progress"  # now short in one area, the period is still running
    assert [r["code"] for r in row["reasons"]] == ["area-short", "total-short"]


def test_xapi_statements_carry_language_and_revision(
    taught: dict[str, Any], signed_in: Any, world: World
) -> None:
    statements = signed_in(world.staff_a).get(f"/api/v1/cohorts/{world.cohort_a.id}/xapi").json()
    (attended,) = [s for s in statements if s["verb"]["display"]["en-US"] == "attended"]
    assert (attended["context"]["language"], attended["context"]["revision"]) == ("vi", "1")
    assert attended["result"]["duration"] == "PT8H20M"
    assert attended["actor"]["account"]["name"] == world.pins[world.trainee_a.id][0]
    assert attended["object"]["id"].endswith(f"/lectures/{taught['id']}")
    (completed,) = [s for s in statements if s["verb"]["id"].endswith("/completed")]
    assert completed["object"]["id"].endswith("/courses/legal-protection")
    assert (completed["result"]["duration"], completed["context"]["language"]) == ("PT8H20M", "vi")


def test_records_cannot_be_deleted_before_retention_ends(
    taught: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    cohort = f"/api/v1/cohorts/{world.cohort_a.id}"
    purge = f"{cohort}/records?confirm=true"
    assert staff.delete(purge).status_code == 409  # no programme end recorded
    # Records exist: a date changes only with a reason.
    assert staff.put(cohort, json={"programme_end": "2029-12-31"}).status_code == 422
    moved = staff.put(cohort, json={"programme_end": "2029-12-31", "reason": "契約期間の確定"})
    assert moved.status_code == 200
    refused = staff.delete(purge)
    assert refused.status_code == 409
    assert "2031-01-01" in refused.json()["error"]["message"]
    clock.advance((datetime(2031, 1, 1, tzinfo=UTC) - clock.now()).total_seconds() + 86400)
    # Nothing brings the records back: without an explicit confirm=true nothing is deleted.
    unconfirmed = signed_in(world.staff_a).delete(f"{cohort}/records")
    assert unconfirmed.status_code == 428
    assert unconfirmed.json()["error"]["code"] == "confirmation-required"
    assert signed_in(world.staff_a).get(cohort).status_code == 200
    done = signed_in(world.staff_a).delete(purge)
    assert done.status_code == 200, done.text
    assert done.json()["trainees_removed"] == 1
    assert signed_in(world.staff_a).get(cohort).status_code == 404
