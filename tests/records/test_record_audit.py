"""The post-entry training record as an auditor reads it, through the XLSX, the CSV and the
printable page: one lecture of cohort A with a registered lecturer, two interpreters, a venue,
trainees on phones and on the roster; then a lecture that does not count and a make-up lecture
for one trainee. The columns are checked against the list in slides/RECORD.ja.md.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.accounts import service as accounts
from app.accounts.models import LecturerProfile
from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort
from app.files.models import Blob
from app.lectures.models import Lecture, LectureEvent, LectureEvidence
from app.records import exports, xapi
from app.study.models import StudySession
from tests.conftest import PASSWORD, World, _trainee_row
from tests.pages import page, text_of
from tests.records.helpers import publish_sample_decks

JAPAN = ZoneInfo("Asia/Tokyo")
MODULES = ["LP-01", "LP-02", "LP-03", "LP-04"]
MINUTES = 30  # per module (one module per statutory area)
GUIDE = Path(__file__).resolve().parents[2] / "slides" / "RECORD.ja.md"


@dataclass
class Audited:
    staff: TestClient
    lecture_id: int
    names: dict[str, str]  # trainee number -> "FAMILY GIVEN"


def _add_trainees(session_factory: sessionmaker[Session], world: World) -> dict[str, str]:
    """Three more trainees of cohort A without phones, one Cambodian; the lecturer gets a
    registration number, a current affiliation and one that ended before the lecture."""
    with session_factory() as session:
        staff = Principal(
            user_id=world.staff_a.id, role="staff", cooperative_id=world.coop_a.id, display_name="t"
        )
        cohort = session.get(Cohort, world.cohort_a.id)
        for number, family, language in (
            ("A-002", "TRAN", "vi"),
            ("A-003", "SOK", "km"),
            ("A-004", "PHAM", "vi"),
        ):
            row = _trainee_row(number, family, language)
            if language == "km":
                row = dataclasses.replace(row, nationality="KH", given_name="DARA")
            cohorts.add_trainee(session, staff, cohort, row)
        profile = session.get(LecturerProfile, world.lecturer.id)
        assert profile is not None
        profile.registration_number = "弁護士登録番号 12345"
        profile.affiliations = [
            {"name": "岡山中央法律事務所"},
            {"name": "旧・協同組合顧問", "until": "2026-03-31"},
        ]
        session.commit()
    return {
        "A-001": "FAMILYA VAN AN",
        "A-002": "TRAN VAN AN",
        "A-003": "SOK DARA",
        "A-004": "PHAM VAN AN",
    }


def _teach(
    staff: TestClient,
    lecturer: TestClient,
    phone: TestClient,
    *,
    lecturer_id: int,
    cohort_id: int,
    start: datetime,
    marks: dict[int, dict[str, Any]],
) -> int:
    """A lecture of the four modules, MINUTES each; ``phone`` follows throughout, ``marks``
    are roster marks by hand; confirmed acknowledging shortfalls."""
    scheduled = staff.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": lecturer_id,
            "cohort_ids": [cohort_id],
            "scheduled_start": start.astimezone(UTC).isoformat(),
            "scheduled_end": (start + timedelta(hours=3)).astimezone(UTC).isoformat(),
            "modules": MODULES,
            "venue": "岡山国際交流センター 3F",
            "interpreters": [
                {"name": "Le Thi Mai", "language": "vi"},
                {"name": "Chan Sophea", "language": "km"},
            ],
            # Some lectures here are meant not to count: their warnings are accepted.
            "acknowledge_warnings": True,
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    lecture_id = scheduled.json()["id"]
    base = f"/api/v1/lectures/{lecture_id}"
    assert lecturer.post(f"{base}/start").status_code == 200
    assert phone.post(f"{base}/ping", json={}).status_code == 200
    for index, _module in enumerate(MODULES):
        for _ in range(MINUTES * 60 // 50):
            clock.advance(50)
            assert phone.post(f"{base}/ping", json={}).status_code == 200
        if index + 1 < len(MODULES):
            lecturer.post(f"{base}/slide", json={"module": MODULES[index + 1], "position": 1})
    assert lecturer.post(f"{base}/end").status_code == 200
    for trainee_id, mark in marks.items():
        assert staff.put(f"{base}/roster/{trainee_id}", json=mark).status_code == 200
    confirmed = lecturer.post(
        f"{base}/confirm", json={"acknowledge_shortfalls": True, "confirm": True}
    )
    assert confirmed.status_code == 200, confirmed.text
    return lecture_id


@pytest.fixture
def audited(
    client: TestClient,
    decks: Path,
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> Audited:
    publish_sample_decks(client, decks)
    names = _add_trainees(session_factory, world)
    clock.advance((datetime(2026, 12, 3, 9, 0, tzinfo=JAPAN) - clock.now()).total_seconds())
    staff = signed_in(world.staff_a)
    ids = {
        t["trainee_number"]: t["id"]
        for t in staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/trainees").json()
    }
    lecture_id = _teach(
        staff,
        signed_in(world.lecturer),
        signed_in(world.trainee_a),
        lecturer_id=world.lecturer.id,
        cohort_id=world.cohort_a.id,
        start=datetime(2026, 12, 3, 9, 0, tzinfo=JAPAN),
        marks={
            ids["A-002"]: {"status": "present"},
            ids["A-003"]: {"status": "late", "minutes": 40},
            ids["A-004"]: {"status": "absent"},
        },
    )
    return Audited(staff, lecture_id, names)


def _xlsx(staff: TestClient, cohort_id: int) -> Any:
    response = staff.get(f"/api/v1/cohorts/{cohort_id}/record.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _sheet_rows(sheet: Any) -> tuple[list[str], list[dict[str, Any]]]:
    header = next(r for r in sheet.iter_rows() if r[0].value in ("実施日", "実習生番号"))
    headers = [cell.value for cell in header]
    rows = [
        dict(zip(headers, [cell.value for cell in row], strict=True))
        for row in sheet.iter_rows(min_row=header[0].row + 1)
    ]
    return headers, rows


def test_the_record_names_the_lecturer_interpreters_venue_and_each_attendee(
    audited: Audited, world: World
) -> None:
    workbook = _xlsx(audited.staff, world.cohort_a.id)
    _, rows = _sheet_rows(workbook["入国後講習実施記録"])
    assert [r["科目"] for r in rows] == [
        "技能実習法及び制度",
        "出入国管理及び難民認定法",
        "労働関係法令",
        "その他保護に必要な情報",
    ]
    # Each area row has that area's own time, one after the other.
    assert [(r["開始時刻"], r["終了時刻"]) for r in rows] == [
        (time(9, 0), time(9, 30)),
        (time(9, 30), time(10, 0)),
        (time(10, 0), time(10, 30)),
        (time(10, 30), time(11, 0)),
    ]
    first = rows[0]
    assert (first["講師氏名"], first["講師の資格"], first["講師の登録番号"]) == (
        "Lecturer",
        "弁護士",
        "弁護士登録番号 12345",
    )
    assert first["講師の所属"] == "岡山中央法律事務所"  # the ended affiliation is not shown
    assert first["通訳者（言語）"] == "Le Thi Mai（ベトナム語）、Chan Sophea（クメール語）"
    assert (first["実施場所"], first["実施方法"]) == ("岡山国際交流センター 3F", "座学（対面）")
    assert first["受講者（受講分数・記録方法）"] == (
        "FAMILYA VAN AN（30分・端末）、TRAN VAN AN（30分・名簿記入）"
    )
    assert first["受講者数"] == 2
    # SOK came 40 minutes late: absent from the first area, late into the second.
    assert first["欠席・遅刻・早退"] == "SOK DARA 欠席、PHAM VAN AN 欠席"
    second = rows[1]
    assert "SOK DARA（20分・名簿記入）" in second["受講者（受講分数・記録方法）"]
    assert second["欠席・遅刻・早退"] == "SOK DARA 遅刻 09:40、PHAM VAN AN 欠席"

    _, detail = _sheet_rows(workbook["出席明細"])
    by_number = {r["実習生番号"]: r for r in detail}
    assert set(by_number) == {"A-001", "A-002", "A-003", "A-004"}
    assert (by_number["A-001"]["記録方法"], by_number["A-001"]["出欠"]) == ("端末", "出席")
    assert (by_number["A-002"]["記録方法"], by_number["A-002"]["出欠"]) == ("名簿記入", "出席")
    assert (by_number["A-003"]["出欠"], by_number["A-003"]["到着時刻"]) == ("遅刻", time(9, 40))
    assert (by_number["A-003"]["受講言語"], by_number["A-003"]["合計（分）"]) == (
        "日本語（クメール語の翻訳なし）",
        80,
    )  # no Khmer (nor English) deck: taught in Japanese, interpreted
    assert (by_number["A-004"]["出欠"], by_number["A-004"]["合計（分）"]) == ("欠席", 0)
    _, trainees = _sheet_rows(workbook["受講者別"])
    assert {r["実習生番号"]: r["国籍"] for r in trainees} == {
        "A-001": "ベトナム",
        "A-002": "ベトナム",
        "A-003": "カンボジア",
        "A-004": "ベトナム",
    }

    text = audited.staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/record.csv").text
    (csv_first, *_) = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert (csv_first["実施日"], csv_first["開始時刻"], csv_first["講師の登録番号"]) == (
        "2026-12-03",
        "09:00",
        "弁護士登録番号 12345",
    )
    assert csv_first["通訳者（言語）"] == first["通訳者（言語）"]
    assert csv_first["受講者（受講分数・記録方法）"] == first["受講者（受講分数・記録方法）"]

    doc = page(audited.staff, f"/cohorts/{world.cohort_a.id}/record")
    headings = [text_of(th) for th in doc.xpath('//table[@class="record-lectures"]/thead//th')]
    assert headings == exports.RECORD_COLUMNS
    printed = [
        dict(zip(headings, (text_of(td) for td in tr.xpath("td")), strict=True))
        for tr in doc.xpath('//table[@class="record-lectures"]/tbody/tr')
    ]
    assert (
        printed[0]["開始時刻"] == "09:00" and printed[0]["講師の登録番号"] == "弁護士登録番号 12345"
    )
    assert printed[0]["受講者（受講分数・記録方法）"] == first["受講者（受講分数・記録方法）"]
    assert printed[1]["欠席・遅刻・早退"] == second["欠席・遅刻・早退"]


def test_a_lecture_that_does_not_count_stays_with_its_reason_and_a_make_up_lists_its_own(
    audited: Audited, signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        unqualified = accounts.create_user(
            session,
            None,
            role="lecturer",
            email="clerk@example.org",
            display_name="組合職員 山田",
            password=PASSWORD,
            qualification="other",
        )
        session.commit()
        session.expunge(unqualified)
    clock.advance((datetime(2026, 12, 10, 9, 0, tzinfo=JAPAN) - clock.now()).total_seconds())
    # The make-up lecture: only trainee A follows; nobody marks the others.
    staff = signed_in(world.staff_a)  # a week later: a new sign-in
    make_up = _teach(
        staff,
        signed_in(unqualified),
        signed_in(world.trainee_a),
        lecturer_id=unqualified.id,
        cohort_id=world.cohort_a.id,
        start=datetime(2026, 12, 10, 9, 0, tzinfo=JAPAN),
        marks={},
    )
    assert make_up != audited.lecture_id
    workbook = _xlsx(staff, world.cohort_a.id)
    _, rows = _sheet_rows(workbook["入国後講習実施記録"])
    later = [r for r in rows if r["実施日"] == datetime(2026, 12, 10)]
    assert len(later) == 4
    for row in later:
        assert row["講師の資格"] == "その他"
        assert row["受講者（受講分数・記録方法）"] == "FAMILYA VAN AN（30分・端末）"
        assert not row["欠席・遅刻・早退"]  # the others were not expected there
        assert row["備考"].startswith("算入しない：2026-12-10の講習の講師組合職員 山田は")
    _, detail = _sheet_rows(workbook["出席明細"])
    assert [r["実習生番号"] for r in detail if r["実施日"] == datetime(2026, 12, 10)] == ["A-001"]


def test_the_workbook_prints_on_a4_landscape_with_real_dates_and_the_guides_columns(
    audited: Audited, world: World
) -> None:
    workbook = _xlsx(audited.staff, world.cohort_a.id)
    assert workbook.sheetnames == list(exports.SHEETS)
    guide = _guide_columns()
    areas = [
        "技能実習法及び制度",
        "出入国管理及び難民認定法",
        "労働関係法令",
        "その他保護に必要な情報",
    ]
    for name, sheet in zip(workbook.sheetnames, workbook.worksheets, strict=True):
        setup = sheet.page_setup
        assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9"), name  # 9: A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), name
        headers, _rows = _sheet_rows(sheet)
        header_row = next(r for r in sheet.iter_rows() if r[0].value == headers[0])[0].row
        assert sheet.print_title_rows == f"${header_row}:${header_row}", name
        expected = [
            column
            for title in guide[name]
            for column in (areas if title == exports.AREAS else [title])
        ]
        assert headers == expected, name
    record = workbook["入国後講習実施記録"]
    heading = {row[0].value: row[1] for row in record.iter_rows(min_row=3, max_row=11)}
    assert heading["実習開始日"].value == datetime(2027, 1, 5)
    assert heading["実習開始日"].number_format == "yyyy-mm-dd"
    headers, _ = _sheet_rows(record)
    body = record.cell(
        row=next(r for r in record.iter_rows() if r[0].value == "実施日")[0].row + 1, column=1
    )
    assert isinstance(body.value, datetime) and body.is_date
    assert body.number_format == "yyyy-mm-dd"
    start = record.cell(row=body.row, column=headers.index("開始時刻") + 1)
    assert isinstance(start.value, time) and start.number_format == "hh:mm"
    detail = workbook["出席明細"]
    arrived = next(row for row in detail.iter_rows(min_row=2) if row[3].value == "A-003")
    dheaders = [c.value for c in next(detail.iter_rows(max_row=1))]
    cell = arrived[dheaders.index("到着時刻")]
    assert cell.value == time(9, 40) and cell.number_format == "hh:mm"
    assert date(2026, 12, 3) == arrived[0].value.date()


def _guide_columns() -> dict[str, list[str]]:
    """The columns slides/RECORD.ja.md lists under each "## シート「…」" heading."""
    found: dict[str, list[str]] = {}
    sheet = None
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## シート「(.+)」", line)
        if heading:
            sheet = heading.group(1)
            found[sheet] = []
        elif sheet and line.startswith("| ") and not line.startswith("| 列 "):
            found[sheet].append(line.split("|")[1].strip())
    return found


def test_the_guide_lists_every_column_of_every_sheet() -> None:
    assert _guide_columns() == exports.SHEETS


ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # RFC 5646, the shapes used
IRI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")


def _valid_statement(statement: dict[str, Any]) -> None:
    """The xAPI 1.0.3 rules a learning record store checks first."""
    uuid_shape = r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    assert re.match(uuid_shape, statement["id"])
    actor = statement["actor"]
    assert actor["objectType"] == "Agent"
    identifiers = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in actor]
    assert len(identifiers) == 1  # exactly one inverse functional identifier
    if "account" in actor:
        assert IRI.match(actor["account"]["homePage"]) and actor["account"]["name"]
    else:
        assert actor["mbox"].startswith("mailto:")
    verb = statement["verb"]
    assert IRI.match(verb["id"]) and verb["display"]
    assert all(LANGUAGE_TAG.match(tag) for tag in verb["display"])
    assert statement["object"]["objectType"] == "Activity"
    assert IRI.match(statement["object"]["id"])
    for tag in statement["object"].get("definition", {}).get("name", {}):
        assert LANGUAGE_TAG.match(tag)
    if "duration" in statement.get("result", {}):
        assert ISO_DURATION.match(statement["result"]["duration"])
    moment = datetime.fromisoformat(statement["timestamp"])
    assert moment.tzinfo is not None
    context = statement["context"]
    assert LANGUAGE_TAG.match(context["language"])
    assert isinstance(context["revision"], str) and context["revision"]


def test_xapi_says_only_what_happened_and_follows_the_statement_rules(
    audited: Audited, world: World
) -> None:
    statements = audited.staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/xapi").json()
    for statement in statements:
        _valid_statement(statement)
    attended = {s["actor"]["name"]: s for s in statements if s["verb"]["id"].endswith("/attended")}
    # PHAM was marked absent: no statement says he attended, not even for PT0M.
    assert set(attended) == {"FAMILYA VAN AN", "TRAN VAN AN", "SOK DARA"}
    assert attended["FAMILYA VAN AN"]["result"]["duration"] == "PT2H"
    assert attended["SOK DARA"]["result"]["duration"] == "PT1H20M"
    assert attended["FAMILYA VAN AN"]["context"]["language"] == "vi"
    assert attended["FAMILYA VAN AN"]["context"]["revision"] == "1"
    assert not [s for s in statements if s["verb"]["id"].endswith("/completed")]  # 30 min/area


def test_iso_durations() -> None:
    assert [xapi.iso_duration(m) for m in (0, 45, 60, 500)] == [
        "PT0M",
        "PT45M",
        "PT1H",
        "PT8H20M",
    ]
    assert all(ISO_DURATION.match(xapi.iso_duration(m)) for m in range(0, 1000, 7))


def test_self_study_is_shown_everywhere_and_counted_nowhere(
    audited: Audited, world: World, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        revision_id = session.scalar(select(Lecture.revision_id))
        began = datetime(2026, 12, 4, 19, 0, tzinfo=JAPAN)
        session.add(
            StudySession(
                trainee_id=world.trainee_a.id,
                revision_id=revision_id,
                module_code="LP-02",
                area_code="immigration",
                started_at=began,
                last_seen_at=began + timedelta(minutes=45),
            )
        )
        session.commit()
    staff = audited.staff
    compliance = staff.get(f"/api/v1/trainees/{world.trainee_a.id}/compliance").json()
    assert compliance["self_study"] == {"immigration": 45}
    assert compliance["self_study_counted"] is False
    assert compliance["minutes"]["immigration"] == 30  # the lecture's minutes alone

    dashboard = page(staff, f"/cohorts/{world.cohort_a.id}/dashboard")
    cell = dashboard.xpath(
        f'//tr[@data-trainee="{world.trainee_a.id}"]/td[contains(@class, "self-study")]'
    )[0]
    assert cell.get("data-self-study") == "45"

    mine = page(staff, f"/trainees/{world.trainee_a.id}/record?lang=en")
    study = mine.xpath('//table[@class="trainee-self-study"]//td[@data-area]')
    assert {td.get("data-area"): text_of(td) for td in study}["immigration"] == "45"
    assert "does not count" in text_of(mine.xpath('//div[contains(@class, "self-study")]')[0])
    (line,) = mine.xpath('//table[@class="trainee-lectures"]/tbody/tr')
    assert line.get("data-source") == "device" and "Trainee's phone" in text_of(line)
    tran = page(staff, f"/trainees/{_id_of(staff, world, 'A-002')}/record?lang=en")
    assert "Roster mark (present)" in text_of(tran.xpath('//td[@class="source"]')[0])

    _, rows = _sheet_rows(_xlsx(staff, world.cohort_a.id)["自習時間"])
    by_number = {r["実習生番号"]: r for r in rows}
    assert by_number["A-001"]["出入国管理及び難民認定法"] == 45
    assert by_number["A-001"]["講習時間への算入"] == "算入しない（参考）"
    assert by_number["A-002"]["合計（分）"] == 0


def _id_of(staff: TestClient, world: World, number: str) -> int:
    listed = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/trainees").json()
    return next(t["id"] for t in listed if t["trainee_number"] == number)


def test_a_confirmed_lecture_that_credited_nothing_is_on_the_record_with_its_evidence(
    client: TestClient,
    decks: Path,
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> None:
    publish_sample_decks(client, decks)
    start = datetime(2026, 12, 3, 9, 0, tzinfo=JAPAN)
    clock.advance((start - clock.now()).total_seconds())
    staff, lecturer = signed_in(world.staff_a), signed_in(world.lecturer)
    lecture_id = staff.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "scheduled_start": start.astimezone(UTC).isoformat(),
            "scheduled_end": (start + timedelta(hours=1)).astimezone(UTC).isoformat(),
            "modules": MODULES,
        },
    ).json()["id"]
    base = f"/api/v1/lectures/{lecture_id}"
    assert lecturer.post(f"{base}/start").status_code == 200
    assert lecturer.post(f"{base}/end").status_code == 200  # ended at once: 0 minutes taught
    assert (
        staff.put(f"{base}/roster/{world.trainee_a.id}", json={"status": "present"}).status_code
        == 200
    )
    assert (
        lecturer.post(
            f"{base}/confirm", json={"acknowledge_shortfalls": True, "confirm": True}
        ).status_code
        == 200
    )
    with session_factory() as session:
        session.add(Blob(sha256="a" * 64, content_type="application/pdf", size=1))
        session.add(
            LectureEvidence(
                lecture_id=lecture_id,
                kind="paper-sheet",
                blob_sha256="a" * 64,
                filename="sign-in.pdf",
                content_type="application/pdf",
            )
        )
        session.commit()
    doc = page(staff, f"/cohorts/{world.cohort_a.id}/record")
    text = text_of(doc)
    assert "確定した講習はまだありません" not in text
    headings = [text_of(th) for th in doc.xpath('//table[@class="record-lectures"]/thead//th')]
    rows = [
        dict(zip(headings, (text_of(td) for td in tr.xpath("td")), strict=True))
        for tr in doc.xpath('//table[@class="record-lectures"]/tbody/tr')
    ]
    assert rows  # the lecture is on the record, with the time it had (under a minute)
    for row in rows:
        assert (row["実施日"], row["時間（分）"], row["受講者数"]) == ("2026-12-03", "0", "0")
        assert row["欠席・遅刻・早退"] == ""
        assert "証拠：署名入り出席簿（sign-in.pdf）" in row["備考"]
    # A lecture with no statutory area on screen at all (say, recorded without a timeline)
    # still has its row, saying so.
    with session_factory() as session:
        session.execute(delete(LectureEvent).where(LectureEvent.lecture_id == lecture_id))
        session.commit()
    (row,) = page(staff, f"/cohorts/{world.cohort_a.id}/record").xpath(
        '//table[@class="record-lectures"]/tbody/tr'
    )
    assert "（法定科目の講習時間なし）" in text_of(row) and "sign-in.pdf" in text_of(row)
