"""Lectures recorded after the fact: from a signed paper sheet, from a video meeting's
participants report, and an ended live lecture completed the same way."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.tenancy import Principal
from app.audit.models import AuditEntry
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort, Trainee
from app.cohorts.spreadsheet import TraineeRow
from app.files.models import Blob
from app.lectures.models import LectureEvidence, PresenceInterval
from tests.conftest import MARKER_B, World
from tests.deckmaker import png
from tests.lectures import reports

JST = ZoneInfo("Asia/Tokyo")


def at(hour: int, minute: int = 0) -> str:
    return datetime(2026, 12, 3, hour, minute, tzinfo=JST).isoformat()


def jst(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, 3, hour, minute, second, tzinfo=JST)


# 09:00-11:00 training act, 11:00-12:00 immigration, lunch, 13:00-14:00 immigration,
# 14:00-16:00 labour.
BLOCKS = [
    {"modules": ["LP-01"], "start": at(9), "end": at(11)},
    {"modules": ["LP-02"], "start": at(11), "end": at(12)},
    {"modules": ["LP-02"], "start": at(13), "end": at(14)},
    {"modules": ["LP-03"], "start": at(14), "end": at(16)},
]


def _add(
    session: Session, world: World, cohort_id: int, number: str, family: str, given: str, kana: str
) -> int:
    """A trainee of cooperative A in the given cohort, added as A's staff would."""
    staff = Principal(world.staff_a.id, "staff", world.coop_a.id, "test")
    row = TraineeRow(
        row=2,
        family_name=family,
        given_name=given,
        name_katakana=kana,
        nationality="VN",
        preferred_language="vi",
        date_of_birth=date(2003, 1, 1),
        employer="",
        trainee_number=number,
    )
    trainee: Trainee = cohorts.add_trainee(session, staff, session.get(Cohort, cohort_id), row)
    return trainee.id


@pytest.fixture
def classmates(world: World, session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Two more trainees in cohort A (with the world's FAMILYA VAN AN, katakana グエン)."""
    cohort = world.cohort_a.id
    with session_factory() as session:
        made = {
            "binh": _add(
                session, world, cohort, "A-002", "NGUYEN", "VAN BINH", "グエン ヴァン ビン"
            ),
            "hoa": _add(session, world, cohort, "A-003", "TRAN", "THI HOA", "チャン ティ ホア"),
        }
        session.commit()
    return made


def in_english(client: TestClient) -> TestClient:
    """Messages in English (pages and the API answer in Japanese unless asked otherwise)."""
    client.headers["Accept-Language"] = "en"
    return client


def sheet_rows(client: TestClient, lecture_id: int) -> dict[int, dict[str, Any]]:
    response = client.get(f"/api/v1/lectures/{lecture_id}/attendance")
    assert response.status_code == 200, response.text
    return {row["trainee_id"]: row for row in response.json()["rows"]}


def counts(session_factory: sessionmaker[Session], lecture_id: int) -> tuple[int, int, int]:
    with session_factory() as session:
        return (
            session.scalar(select(func.count()).where(PresenceInterval.lecture_id == lecture_id)),
            session.scalar(select(func.count()).where(LectureEvidence.lecture_id == lecture_id)),
            session.scalar(select(func.count()).select_from(Blob)),
        )


def test_a_lecture_recorded_from_a_paper_sheet_credits_exactly_what_the_sheet_says(
    lecture: dict[str, Any],
    classmates: dict[str, int],
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> None:
    staff = signed_in(world.staff_a)
    trainee = world.trainee_a.id
    response = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={
            "via": "paper",
            "blocks": BLOCKS,
            "attendees": [
                {"trainee_id": trainee, "arrived": at(9, 15)},
                {"trainee_id": classmates["binh"]},
                {"trainee_id": classmates["hoa"], "left": at(15)},
            ],
            "venue": "岡山市国際交流センター 会議室2",
            "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
        },
    )
    assert response.status_code == 200, response.text
    recorded = response.json()
    assert recorded["status"] == "ended"
    assert recorded["recorded_via"] == "paper"
    assert [(b["area"], b["minutes"]) for b in recorded["blocks"]] == [
        ("training-act", 120),
        ("immigration", 60),
        ("immigration", 60),
        ("labour", 120),
    ]
    rows = sheet_rows(staff, lecture["id"])
    assert rows[trainee]["minutes"] == {
        "training-act": 105,
        "immigration": 120,
        "labour": 120,
        "protection": 0,
    }
    assert rows[classmates["binh"]]["total"] == 360
    assert rows[classmates["hoa"]]["minutes"]["labour"] == 60
    assert {row["source"] for row in rows.values()} == {"paper"}

    scan = staff.post(
        f"/api/v1/lectures/{lecture['id']}/evidence",
        files={"file": ("sheet.png", png((10, 20, 30)), "image/png")},
    )
    assert scan.status_code == 201, scan.text
    assert scan.json()["content_type"] == "image/png"
    kept = staff.get(f"/api/v1/lectures/{lecture['id']}/evidence/{scan.json()['id']}")
    assert kept.status_code == 200 and kept.content == png((10, 20, 30))
    assert "attachment" in kept.headers["content-disposition"]

    lecturer = signed_in(world.lecturer)
    # The trainee who arrived at 09:15 is short of what was taught: the lecturer says so.
    confirmed = lecturer.post(
        f"/api/v1/lectures/{lecture['id']}/confirm",
        json={"acknowledge_shortfalls": True, "confirm": True},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert {row["source"] for row in confirmed.json()["rows"]} == {"paper"}

    record = list(
        csv.DictReader(
            io.StringIO(staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/record.csv").text)
        )
    )
    assert [(row["科目"], row["時間（分）"]) for row in record] == [
        ("技能実習法及び制度", "120"),
        ("出入国管理及び難民認定法", "120"),
        ("労働関係法令", "120"),
    ]
    first = record[0]  # each area's own block: 09:00–11:00 for the Training Act
    assert first["開始時刻"] == "09:00" and first["終了時刻"] == "11:00"
    assert "FAMILYA VAN AN（105分・紙の出席簿）" in first["受講者（受講分数・記録方法）"]
    assert "記録方法：紙の署名簿（講習後に入力）" in first["備考"]
    assert "岡山市国際交流センター 会議室2" in first["実施場所"]
    assert "Le Thi Mai" in first["通訳者（言語）"]
    compliance = staff.get(f"/api/v1/trainees/{trainee}/compliance").json()
    assert compliance["minutes"]["training-act"] == 105
    with session_factory() as session:
        audited = session.scalars(
            select(AuditEntry.summary).where(AuditEntry.entity == "lecture")
        ).all()
    assert any("Recorded afterwards (paper)" in s for s in audited)
    assert any("Evidence added (paper-sheet)" in s for s in audited)


def test_a_lecture_can_be_scheduled_and_recorded_in_one_step(
    published: TestClient, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    response = staff.post(
        "/api/v1/lectures/recorded",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "blocks": BLOCKS[:2],
            "attendees": [{"trainee_id": world.trainee_a.id}],
        },
    )
    assert response.status_code == 201, response.text
    lecture_id = response.json()["lecture"]
    details = staff.get(f"/api/v1/lectures/{lecture_id}").json()
    assert details["modules"] == ["LP-01", "LP-02"]
    assert details["status"] == "ended"
    assert sheet_rows(staff, lecture_id)[world.trainee_a.id]["minutes"]["immigration"] == 60


@pytest.mark.parametrize("layout", ["zoom", "zoom-ja", "teams", "teams-legacy"])
def test_a_live_video_lecture_s_participants_report_credits_each_trainee_s_joined_time(
    layout: str,
    lecture: dict[str, Any],
    classmates: dict[str, int],
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> None:
    staff = signed_in(world.staff_a)
    recorded = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={
            "via": "meeting",
            "blocks": [
                {"modules": ["LP-01"], "start": at(9), "end": at(11)},
                {"modules": ["LP-02"], "start": at(11), "end": at(13)},
            ],
        },
    )
    assert recorded.status_code == 200, recorded.text
    stays = [
        ("FAMILYA VAN AN", "", jst(8, 55, 12), jst(10)),  # dropped at 10:00 ...
        ("familya van an", "", jst(10, 20), jst(13, 5)),  # ... and came back at 10:20
        ("VAN BINH NGUYEN", "binh@example.org", jst(8, 58), jst(13, 2)),
        ("チャン・ティ・ホア", "", jst(9, 30), jst(13)),
        ("Le Thi Mai (通訳)", "mai@example.org", jst(8, 50), jst(13, 10)),
        ("Galaxy A23", "", jst(9), jst(12)),
    ]
    data = {
        "zoom": lambda: reports.zoom(stays),
        "zoom-ja": lambda: reports.zoom(stays, japanese=True),
        "teams": lambda: reports.teams(stays),
        "teams-legacy": lambda: reports.teams_legacy(stays),
    }[layout]()
    imported = staff.post(
        f"/api/v1/lectures/{lecture['id']}/meeting-report",
        files={"file": ("participants.csv", data, "text/csv")},
    )
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert {m["trainee_id"] for m in body["matched"]} == {
        world.trainee_a.id,
        classmates["binh"],
        classmates["hoa"],
    }
    assert sorted(u["name"] for u in body["unmatched"]) == ["Galaxy A23", "Le Thi Mai (通訳)"]

    rows = sheet_rows(staff, lecture["id"])
    assert rows[world.trainee_a.id]["minutes"]["training-act"] == 100  # 60 + 40
    assert rows[world.trainee_a.id]["minutes"]["immigration"] == 120
    assert rows[classmates["binh"]]["total"] == 240
    assert rows[classmates["hoa"]]["minutes"]["training-act"] == 90
    assert rows[world.trainee_a.id]["source"] == "meeting"

    # The phone 'Galaxy A23' was Hoa's second device; the interpreter is left out on purpose.
    assigned = staff.post(
        f"/api/v1/lectures/{lecture['id']}/meeting-report/assign",
        json={
            "evidence_id": body["evidence"]["id"],
            "name": "Galaxy A23",
            "trainee_id": classmates["hoa"],
        },
    )
    assert assigned.status_code == 200, assigned.text
    assert [u["name"] for u in assigned.json()["unmatched"]] == ["Le Thi Mai (通訳)"]
    hand = next(m for m in assigned.json()["matched"] if m["name"] == "Galaxy A23")
    assert hand["assigned"] and hand["trainee_id"] == classmates["hoa"]
    ignored = staff.post(
        f"/api/v1/lectures/{lecture['id']}/meeting-report/assign",
        json={"evidence_id": body["evidence"]["id"], "name": "Le Thi Mai (通訳)"},
    )
    assert ignored.status_code == 200, ignored.text
    assert sheet_rows(staff, lecture["id"])[classmates["hoa"]]["minutes"]["training-act"] == 120

    # The same report again counts nothing twice.
    before = counts(session_factory, lecture["id"])
    again = staff.post(
        f"/api/v1/lectures/{lecture['id']}/meeting-report",
        files={"file": ("participants.csv", data, "text/csv")},
    )
    assert again.status_code == 200
    assert counts(session_factory, lecture["id"]) == before
    kept = staff.get(f"/api/v1/lectures/{lecture['id']}/evidence").json()
    assert [e["kind"] for e in kept] == ["meeting-report"]
    assert staff.get(f"/api/v1/lectures/{lecture['id']}/recorded").json()["recorded_via"] == (
        "meeting"
    )


def test_an_ended_live_lecture_whose_phones_failed_is_completed_from_the_paper_sheet(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer = signed_in(world.lecturer)
    assert lecturer.post(f"/api/v1/lectures/{lecture['id']}/start").status_code == 200
    from app import clock

    clock.advance(30 * 60)
    assert lecturer.post(f"/api/v1/lectures/{lecture['id']}/end").status_code == 200
    started = lecturer.get(f"/api/v1/lectures/{lecture['id']}").json()["started_at"]
    staff = in_english(signed_in(world.staff_a))
    refused = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"blocks": BLOCKS, "attendees": [{"trainee_id": world.trainee_a.id}]},
    )
    assert refused.status_code == 422
    assert "enter only who was there" in refused.json()["error"]["message"]
    arrived = (datetime.fromisoformat(started) + timedelta(minutes=10)).isoformat()
    done = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"attendees": [{"trainee_id": world.trainee_a.id, "arrived": arrived}]},
    )
    assert done.status_code == 200, done.text
    assert done.json()["recorded_via"] == "live"
    row = sheet_rows(staff, lecture["id"])[world.trainee_a.id]
    assert row["source"] == "paper"
    assert row["total"] in (19, 20)  # the live lecture ran 30 minutes; 10 were missed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"blocks": [{**BLOCKS[0], "end": at(12)}, BLOCKS[1]]},
            "Two blocks overlap: 09:00–12:00 and 11:00–12:00.",
        ),
        ({"blocks": [{**BLOCKS[0], "end": at(8)}]}, "Block 1 ends before it starts."),
        (
            {"blocks": [{**BLOCKS[0], "modules": ["LP-01", "LP-02"]}]},
            "Block 1 mixes statutory areas (immigration, training-act)",
        ),
        ({"blocks": [{**BLOCKS[0], "modules": ["LP-99"]}]}, "has no module LP-99"),
        ({"blocks": []}, "Enter at least one block"),
        (
            {"attendees": [{"trainee_id": "A", "arrived": at(10), "left": at(9, 30)}]},
            "FAMILYA VAN AN leaves (09:30) before arriving (10:00).",
        ),
        (
            {"attendees": [{"trainee_id": "A", "arrived": at(8, 30)}]},
            "FAMILYA VAN AN: 08:30–16:00 is outside the lecture (09:00–16:00).",
        ),
        (
            {"attendees": [{"trainee_id": "A"}, {"trainee_id": "A"}]},
            "FAMILYA VAN AN is listed twice.",
        ),
    ],
)
def test_inconsistent_input_is_refused_with_a_clear_message_and_nothing_written(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
    change: dict[str, Any],
    message: str,
) -> None:
    staff = in_english(signed_in(world.staff_a))
    body: dict[str, Any] = {"via": "paper", "blocks": BLOCKS, "attendees": []} | change
    for attendee in body["attendees"]:
        attendee["trainee_id"] = world.trainee_a.id
    response = staff.post(f"/api/v1/lectures/{lecture['id']}/recorded", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]
    details = staff.get(f"/api/v1/lectures/{lecture['id']}").json()
    assert details["status"] == "scheduled" and details["modules"] == ["LP-02", "LP-03"]
    assert counts(session_factory, lecture["id"])[:2] == (0, 0)


def test_messages_are_in_japanese_for_a_japanese_clerk(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    response = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"blocks": [{**BLOCKS[0], "end": at(8)}]},
        headers={"Accept-Language": "ja"},
    )
    assert response.status_code == 422
    assert "ブロック1" in response.json()["error"]["message"]


def test_a_trainee_not_in_the_lecture_and_a_confirmed_or_live_lecture_are_refused(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> None:
    staff = in_english(signed_in(world.staff_a))
    with session_factory() as session:  # a trainee of cooperative A in another cohort
        other = cohorts.create_cohort(
            session,
            Principal(world.staff_a.id, "staff", world.coop_a.id, "test"),
            name="Cohort A2",
            training_start=date(2026, 12, 1),
            training_end=date(2026, 12, 28),
            work_start=date(2027, 1, 5),
            languages=["vi"],
        )
        session.flush()
        outsider = _add(session, world, other.id, "A-900", "OUTSIDE", "COHORT", "アウト")
        session.commit()
    response = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"blocks": BLOCKS, "attendees": [{"trainee_id": outsider}]},
    )
    assert response.status_code == 422
    assert "is not a trainee of this lecture's cohorts" in response.json()["error"]["message"]
    foreign = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"blocks": BLOCKS, "attendees": [{"trainee_id": world.trainee_b.id}]},
    )
    assert foreign.status_code == 404

    lecturer = signed_in(world.lecturer)
    assert lecturer.post(f"/api/v1/lectures/{lecture['id']}/start").status_code == 200
    live = staff.post(f"/api/v1/lectures/{lecture['id']}/recorded", json={"blocks": BLOCKS})
    assert live.status_code == 422
    assert "presented live now" in live.json()["error"]["message"]
    assert lecturer.post(f"/api/v1/lectures/{lecture['id']}/end").status_code == 200
    confirm = f"/api/v1/lectures/{lecture['id']}/confirm"
    assert (
        lecturer.post(confirm, json={"acknowledge_shortfalls": True, "confirm": True}).status_code
        == 200
    )
    confirmed = staff.post(
        f"/api/v1/lectures/{lecture['id']}/recorded",
        json={"attendees": [{"trainee_id": world.trainee_a.id}]},
    )
    assert confirmed.status_code == 422
    assert "already confirmed" in confirmed.json()["error"]["message"]


@pytest.mark.parametrize(
    ("filename", "data", "status"),
    [
        ("sheet.pdf", b"<html><script>alert(1)</script></html>", 422),
        ("sheet.jpg", b"MZ\x90\x00 an executable", 422),
        ("sheet.png", b"", 422),
    ],
)
def test_evidence_that_is_not_a_pdf_or_picture_is_refused_and_nothing_stored(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
    filename: str,
    data: bytes,
    status: int,
) -> None:
    staff = signed_in(world.staff_a)
    before = counts(session_factory, lecture["id"])
    response = staff.post(
        f"/api/v1/lectures/{lecture['id']}/evidence",
        files={"file": (filename, data, "application/pdf")},
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert counts(session_factory, lecture["id"]) == before


def test_evidence_over_the_limit_is_refused(
    lecture: dict[str, Any], signed_in: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.lectures import evidence

    monkeypatch.setattr(evidence, "EVIDENCE_LIMIT_BYTES", 1024)
    response = signed_in(world.staff_a).post(
        f"/api/v1/lectures/{lecture['id']}/evidence",
        files={"file": ("sheet.pdf", b"%PDF-1.7\n" + b"0" * 2048, "application/pdf")},
    )
    assert response.status_code == 413


def test_another_cooperative_s_staff_gets_404_everywhere(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff_b = signed_in(world.staff_b)
    lecture_id = lecture["id"]
    calls = [
        ("get", f"/api/v1/lectures/{lecture_id}/recorded", {}),
        ("post", f"/api/v1/lectures/{lecture_id}/recorded", {"json": {"blocks": BLOCKS}}),
        ("get", f"/api/v1/lectures/{lecture_id}/evidence", {}),
        ("get", f"/api/v1/lectures/{lecture_id}/evidence/1", {}),
        (
            "post",
            f"/api/v1/lectures/{lecture_id}/evidence",
            {"files": {"file": ("s.png", png((1, 2, 3)), "image/png")}},
        ),
        ("get", f"/api/v1/lectures/{lecture_id}/meeting-report", {}),
        (
            "post",
            f"/api/v1/lectures/{lecture_id}/meeting-report",
            {"files": {"file": ("p.csv", b"x", "text/csv")}},
        ),
        (
            "post",
            f"/api/v1/lectures/{lecture_id}/meeting-report/assign",
            {"json": {"evidence_id": 1, "name": "x"}},
        ),
        ("get", f"/lectures/{lecture_id}/recorded", {}),
    ]
    for method, url, options in calls:
        response = getattr(staff_b, method)(url, **options)
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    trainee = signed_in(world.trainee_a)
    assert trainee.get(f"/api/v1/lectures/{lecture_id}/recorded").status_code == 403


def test_a_joint_lecture_s_report_shows_staff_only_their_own_trainees(
    published: TestClient,
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> None:
    """Cohorts of two cooperatives in one meeting: A's staff count A's trainees, and never see
    the name of B's trainee, not even as a name to assign."""
    admin = published
    created = admin.post(
        "/api/v1/lectures/recorded",
        json={
            "via": "meeting",
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id, world.cohort_b.id],
            "blocks": [BLOCKS[0]],
        },
    )
    assert created.status_code == 201, created.text
    lecture_id = created.json()["lecture"]
    report = reports.zoom(
        [
            ("FAMILYA VAN AN", "", jst(9), jst(11)),
            (f"FAMILY{MARKER_B} VAN AN", "", jst(9), jst(10)),
            ("Interpreter", "", jst(9), jst(11)),
        ]
    )
    staff_a = signed_in(world.staff_a)
    imported = staff_a.post(
        f"/api/v1/lectures/{lecture_id}/meeting-report",
        files={"file": ("zoom.csv", report, "text/csv")},
    )
    assert imported.status_code == 200, imported.text
    assert MARKER_B not in imported.text
    assert [m["trainee_id"] for m in imported.json()["matched"]] == [world.trainee_a.id]
    assert [u["name"] for u in imported.json()["unmatched"]] == ["Interpreter"]
    assert MARKER_B not in staff_a.get(f"/lectures/{lecture_id}/recorded").text
    rows = sheet_rows(staff_a, lecture_id)
    assert list(rows) == [world.trainee_a.id] and rows[world.trainee_a.id]["total"] == 120

    # B's staff import the same report for B's trainee; A's minutes are as they were.
    staff_b = signed_in(world.staff_b)
    again = staff_b.post(
        f"/api/v1/lectures/{lecture_id}/meeting-report",
        files={"file": ("zoom.csv", report, "text/csv")},
    )
    assert [m["trainee_id"] for m in again.json()["matched"]] == [world.trainee_b.id]
    assert sheet_rows(staff_b, lecture_id)[world.trainee_b.id]["total"] == 60
    assert sheet_rows(staff_a, lecture_id)[world.trainee_a.id]["total"] == 120

    # The lecturer counts a name for A's trainee: only A's audit log says for whom.
    lecturer = signed_in(world.lecturer)
    assert (
        lecturer.post(
            f"/api/v1/lectures/{lecture_id}/meeting-report/assign",
            json={
                "evidence_id": imported.json()["evidence"]["id"],
                "name": "Interpreter",
                "trainee_id": world.trainee_a.id,
            },
        ).status_code
        == 200
    )
    with session_factory() as session:
        logs = {
            coop: str(
                session.scalars(
                    select(AuditEntry.changes).where(
                        AuditEntry.cooperative_id == coop, AuditEntry.entity == "lecture"
                    )
                ).all()
            )
            for coop in (world.coop_a.id, world.coop_b.id)
        }
    assert "A-001" in logs[world.coop_a.id] and "A-001" not in logs[world.coop_b.id]
    assert "B-001" not in logs[world.coop_a.id]


def test_the_lecturer_records_their_own_lecture_but_cannot_hand_it_to_another(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer = in_english(signed_in(world.lecturer))
    url = f"/api/v1/lectures/{lecture['id']}/recorded"
    other = lecturer.post(url, json={"blocks": BLOCKS, "lecturer_id": world.admin.id})
    assert other.status_code == 422
    assert "Only staff or an administrator can change the lecturer." in other.text
    done = lecturer.post(
        url, json={"blocks": BLOCKS, "attendees": [{"trainee_id": world.trainee_a.id}]}
    )
    assert done.status_code == 200, done.text
    assert sheet_rows(lecturer, lecture["id"])[world.trainee_a.id]["total"] == 360
