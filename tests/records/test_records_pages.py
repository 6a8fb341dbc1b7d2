"""The training-record pages: a cohort's dashboard, the printable record, the certificate.

One lecture of all four modules runs through the API for cohort A (2 h 5 min per statutory
area, trainee A on their phone throughout); a second trainee of the cohort attends nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort
from app.i18n import TRAINEE_LANGUAGES, TRANSLATIONS_DIR, gettext
from app.records.errors import NotComplete
from app.records.exports import RECORD_COLUMNS
from app.web.records import CERTIFICATE_TEXTS, DEFINITION_TITLES
from tests.conftest import MARKER_B, World, _trainee_row
from tests.pages import page, text_of
from tests.records.helpers import publish_sample_decks

JAPAN = ZoneInfo("Asia/Tokyo")
MODULES = ["LP-01", "LP-02", "LP-03", "LP-04"]
AREAS = ["training-act", "immigration", "labour", "protection"]
MINUTES_PER_MODULE = 125


@dataclass
class Taught:
    lecture_id: int
    second_trainee_id: int
    staff: TestClient  # staff of cooperative A
    lecturer: TestClient


def _add_second_trainee(session_factory: sessionmaker[Session], world: World) -> int:
    with session_factory() as session:
        staff = Principal(
            user_id=world.staff_a.id,
            role="staff",
            cooperative_id=world.coop_a.id,
            display_name="test",
        )
        cohort = session.get(Cohort, world.cohort_a.id)
        second = cohorts.add_trainee(session, staff, cohort, _trainee_row("A-002", "TRAN"))
        session.commit()
        return second.id


@pytest.fixture
def taught(
    client: TestClient,
    decks: Path,
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
) -> Taught:
    """A confirmed lecture of cohort A on 2026-12-03: 125 minutes in each of the four areas."""
    publish_sample_decks(client, decks)
    second = _add_second_trainee(session_factory, world)
    start = datetime(2026, 12, 3, 9, 0, tzinfo=JAPAN)
    clock.advance((start - clock.now()).total_seconds())  # into cohort A's training period
    staff = signed_in(world.staff_a)
    scheduled = staff.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "scheduled_start": start.astimezone(UTC).isoformat(),
            "scheduled_end": (start + timedelta(hours=9)).astimezone(UTC).isoformat(),
            "modules": MODULES,
            "venue": "岡山国際交流センター 3F",
            "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    lecture_id = scheduled.json()["id"]
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture_id}"
    assert lecturer.post(f"{base}/start").json()["module"] == "LP-01"
    assert trainee.post(f"{base}/ping", json={}).status_code == 200
    for index, _module in enumerate(MODULES):
        # A ping every 50 s: within the 60 s presence gap, so the minutes are those of the
        # page's 15 s pings, at a third of the requests.
        for _ in range(MINUTES_PER_MODULE * 60 // 50):
            clock.advance(50)
            assert trainee.post(f"{base}/ping", json={}).status_code == 200
        if index + 1 < len(MODULES):
            moved = lecturer.post(
                f"{base}/slide", json={"module": MODULES[index + 1], "position": 1}
            )
            assert moved.status_code == 200, moved.text
    assert lecturer.post(f"{base}/end").status_code == 200
    # The second trainee has no phone data: the lecturer confirms knowing they are short.
    assert lecturer.post(f"{base}/confirm", json={"confirm": True}).status_code == 409
    confirmed = lecturer.post(
        f"{base}/confirm", json={"acknowledge_shortfalls": True, "confirm": True}
    )
    assert confirmed.status_code == 200
    return Taught(lecture_id, second, staff, lecturer)


def rows_by_trainee(doc: html.HtmlElement) -> dict[int, html.HtmlElement]:
    return {
        int(row.get("data-trainee")): row
        for row in doc.xpath('//table[contains(@class, "dashboard")]/tbody/tr')
    }


def area_minutes(row: html.HtmlElement) -> dict[str, tuple[int, str]]:
    """{area: (minutes, "met" or "short")} of a dashboard row."""
    return {
        str(cell.get("data-area")): (
            int(text_of(cell.xpath("strong")[0])),
            "short" if "short" in cell.get("class", "").split() else "met",
        )
        for cell in row.xpath("td[@data-area]")
    }


def test_the_dashboard_shows_who_is_complete_and_who_is_short_where(
    taught: Taught, world: World
) -> None:
    doc = page(taught.staff, f"/cohorts/{world.cohort_a.id}/dashboard?lang=en")
    rows = rows_by_trainee(doc)
    assert set(rows) == {world.trainee_a.id, taught.second_trainee_id}
    first, second = rows[world.trainee_a.id], rows[taught.second_trainee_id]

    assert first.get("data-status") == "complete"
    assert text_of(first.xpath('.//span[contains(@class, "badge")]')[0]) == "Complete"
    assert area_minutes(first) == {
        **{area: (125, "met") for area in AREAS},
        "total": (500, "met"),
    }
    assert "Tiếng Việt" in text_of(first)  # the language taught
    assert first.xpath(f'.//a[@href="/trainees/{world.trainee_a.id}/certificate"]')

    assert second.get("data-status") == "in-progress"
    assert text_of(second.xpath('.//span[contains(@class, "badge")]')[0]) == "In progress"
    assert area_minutes(second) == {
        **{area: (0, "short") for area in AREAS},
        "total": (0, "short"),
    }
    reasons = [text_of(li) for li in second.xpath('.//td[@class="reasons"]//li')]
    assert "Labour laws: 0 of 120 minutes." in reasons
    assert "In total 0 of 480 minutes." in reasons
    assert not second.xpath(".//a[contains(@href, '/certificate')]")

    counts = {
        a.get("href").rsplit("=", 1)[1]: int(text_of(a.xpath("span")[0]))
        for a in doc.xpath('//a[contains(@class, "tally")][contains(@href, "?")]')
    }
    assert counts == {
        "complete": 1,
        "in-progress": 1,
        "problem": 0,
        **dict.fromkeys(AREAS, 1),
    }
    links = set(doc.xpath("//main//a/@href"))
    cohort = world.cohort_a.id
    assert {
        f"/cohorts/{cohort}/record",
        f"/api/v1/cohorts/{cohort}/record.xlsx",
        f"/api/v1/cohorts/{cohort}/record.csv",
        f"/api/v1/cohorts/{cohort}/xapi",
    } <= links
    for link in (f"/api/v1/cohorts/{cohort}/record.csv", f"/api/v1/cohorts/{cohort}/xapi"):
        assert taught.staff.get(link).status_code == 200

    # The cohort page leads here.
    assert page(taught.staff, f"/cohorts/{cohort}").xpath(
        f'//a[@href="/cohorts/{cohort}/dashboard"]'
    )


def test_the_dashboard_filters_by_status_and_by_area(
    taught: Taught, signed_in: Any, world: World
) -> None:
    base = f"/cohorts/{world.cohort_a.id}/dashboard?lang=en"
    in_progress = rows_by_trainee(page(taught.staff, f"{base}&status=in-progress"))
    assert list(in_progress) == [taught.second_trainee_id]
    complete = rows_by_trainee(page(taught.staff, f"{base}&status=complete"))
    assert list(complete) == [world.trainee_a.id]
    assert list(rows_by_trainee(page(taught.staff, f"{base}&short=labour"))) == [
        taught.second_trainee_id
    ]
    nobody = page(taught.staff, f"{base}&status=problem")
    assert rows_by_trainee(nobody) == {}
    assert "No trainee matches these filters." in text_of(nobody)
    both = rows_by_trainee(page(taught.staff, f"{base}&status=bogus&short=nowhere"))
    assert len(both) == 2  # unknown filter values show everyone
    # Japanese, the default UI language of staff.
    japanese = page(taught.staff, f"/cohorts/{world.cohort_a.id}/dashboard?lang=ja")
    row = rows_by_trainee(japanese)[taught.second_trainee_id]
    assert text_of(row.xpath('.//span[contains(@class, "badge")]')[0]) == gettext(
        "ja", "In progress"
    )
    assert gettext("ja", "{area_label}: {minutes} of {minimum} minutes.").format(
        area_label="労働関係法令", minutes=0, minimum=120
    ) in text_of(row)

    # Once the post-entry training period is over, what is still short is a problem.
    clock.advance(timedelta(days=26).total_seconds())  # 2026-12-29
    staff = signed_in(world.staff_a)  # a new login: the old session has expired by now
    problem = rows_by_trainee(page(staff, f"{base}&status=problem"))
    assert list(problem) == [taught.second_trainee_id]
    reasons = [text_of(li) for li in problem[taught.second_trainee_id].xpath(".//li")]
    assert reasons[0] == (
        "The post-entry training period ended on 2026-12-28 with the lecture incomplete."
    )
    assert list(rows_by_trainee(page(staff, f"{base}&status=complete"))) == [world.trainee_a.id]


def test_the_certificate_is_in_japanese_and_the_trainees_language(
    taught: Taught, world: World
) -> None:
    response = taught.staff.get(f"/trainees/{world.trainee_a.id}/certificate?lang=en")
    assert response.status_code == 200, response.text
    doc = html.fromstring(response.text)
    blocks = {str(b.get("lang")): b for b in doc.xpath('//section[contains(@class, "cert-block")]')}
    assert list(blocks) == ["ja", "vi"]
    japanese, vietnamese = text_of(blocks["ja"]), text_of(blocks["vi"])
    assert "修了証" in japanese
    assert gettext("vi", "Certificate of completion") in vietnamese
    assert gettext("vi", "Certificate of completion") != "Certificate of completion"
    for text in (japanese, vietnamese):
        assert "FAMILYA VAN AN" in text and "グエン" in text
        assert "Coop A" in text and "A-1" in text
    assert "法的保護情報講習" in japanese and "ベトナム" in japanese and "2026年12月3日" in japanese
    assert "Việt Nam" in vietnamese and "3 tháng 12, 2026" in vietnamese
    for block in blocks.values():
        minutes = [text_of(td) for td in block.xpath(".//table//td[@class='num']")]
        assert minutes == ["125", "125", "125", "125", "500"]
    assert "労働関係法令" in japanese
    assert gettext("vi", "Labour laws") in vietnamese


def test_no_certificate_before_completion(taught: Taught, world: World) -> None:
    response = taught.staff.get(f"/trainees/{taught.second_trainee_id}/certificate?lang=en")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert NotComplete.message in response.text


def test_the_printable_record_keeps_corrections_next_to_the_old_value(
    taught: Taught, world: World
) -> None:
    url = f"/cohorts/{world.cohort_a.id}/record"
    doc = page(taught.staff, url)
    headings = [text_of(th) for th in doc.xpath('//table[@class="record-lectures"]/thead//th')]
    assert headings == RECORD_COLUMNS
    assert "/static/records.css" in html.tostring(doc, encoding="unicode")
    assert "@page { size: A4 landscape" in taught.staff.get("/static/records.css").text
    head = {
        text_of(th): text_of(th.getnext()) for th in doc.xpath('//table[@class="record-head"]//th')
    }
    assert head["監理団体名"] == "Coop A" and head["許可番号"] == "A-1"
    assert head["受講グループ"] == "Cohort A" and head["実習開始日"] == "2027-01-05"
    assert (head["入国後講習開始日"], head["入国後講習終了日"]) == ("2026-12-01", "2026-12-28")
    assert {"入国日", "講習", "記録の保存期限"} <= set(head)

    def lecture_rows(doc: html.HtmlElement) -> list[dict[str, str]]:
        return [
            dict(zip(headings, (text_of(td) for td in tr.xpath("td")), strict=True))
            for tr in doc.xpath('//table[@class="record-lectures"]/tbody/tr')
        ]

    rows = lecture_rows(doc)
    assert [row["科目"] for row in rows] == [
        "技能実習法及び制度",
        "出入国管理及び難民認定法",
        "労働関係法令",
        "その他保護に必要な情報",
    ]
    for row in rows:
        assert (row["実施日"], row["時間（分）"], row["講師氏名"], row["講師の資格"]) == (
            "2026-12-03",
            "125",
            "Lecturer",
            "弁護士",
        )
        assert row["受講者（受講分数・記録方法）"] == "FAMILYA VAN AN（125分・端末）"
        assert row["通訳者（言語）"] == "Le Thi Mai（ベトナム語）"
        assert row["備考"] == ""
        assert row["欠席・遅刻・早退"] == ""  # the second trainee was not expected: no data
    assert [row["開始時刻"] for row in rows] == ["09:00", "11:05", "13:10", "15:15"]

    # Trainee A came 10 minutes late after all: a correction after confirmation, with a reason.
    corrected = taught.staff.put(
        f"/api/v1/lectures/{taught.lecture_id}/roster/{world.trainee_a.id}",
        json={"status": "late", "minutes": 10, "reason": "遅刻の記録漏れ"},
    )
    assert corrected.status_code == 200, corrected.text
    rows = lecture_rows(page(taught.staff, url))
    assert rows[0]["受講者（受講分数・記録方法）"] == "FAMILYA VAN AN（115分・名簿記入・訂正）"
    assert rows[0]["欠席・遅刻・早退"] == "FAMILYA VAN AN 遅刻 09:10"
    note = rows[0]["備考"]
    assert note.startswith("FAMILYA VAN AN: 125分→115分（遅刻の記録漏れ、2026-12-03）")
    assert [row["備考"] for row in rows[1:]] == ["", "", ""]
    trainees = page(taught.staff, url).xpath('//table[@class="record-trainees"]/tbody/tr')
    assert len(trainees) == 2
    assert "115" in text_of(trainees[0]) and "FAMILYA" in text_of(trainees[0])


def test_another_cooperative_sees_none_of_these_pages(
    taught: Taught, signed_in: Any, world: World
) -> None:
    other = signed_in(world.staff_b)
    for url in (
        f"/cohorts/{world.cohort_a.id}/dashboard",
        f"/cohorts/{world.cohort_a.id}/record",
        f"/trainees/{world.trainee_a.id}/certificate",
        f"/trainees/{taught.second_trainee_id}/certificate",
    ):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "FAMILYA" not in response.text and "Coop A" not in response.text
    for user in (world.lecturer, world.trainee_a):  # neither may open cooperative records
        assert signed_in(user).get(f"/cohorts/{world.cohort_a.id}/dashboard").status_code == 403
    own = page(other, f"/cohorts/{world.cohort_b.id}/dashboard")
    assert MARKER_B in text_of(own) and list(rows_by_trainee(own)) == [world.trainee_b.id]


def test_every_certificate_string_is_translated_in_every_trainee_language() -> None:
    problems = []
    for tag in TRAINEE_LANGUAGES:
        if tag == "en":
            continue
        with (TRANSLATIONS_DIR / f"{tag}.po").open("rb") as handle:
            catalog = read_po(handle, locale=tag.replace("-", "_"))
        for message_id in (*CERTIFICATE_TEXTS.values(), *DEFINITION_TITLES):
            message = catalog.get(message_id)
            if message is None or not message.string or message.fuzzy:
                problems.append(f"{tag}: {message_id}")
            elif re.search(r"[A-Za-z]{4}", str(message.string)) and tag in (
                "zh-Hans",
                "th",
                "km",
                "my",
                "mn",
                "ne",
                "ja",
            ):
                problems.append(f"{tag}: Latin letters in {message.string}")
    assert problems == []
