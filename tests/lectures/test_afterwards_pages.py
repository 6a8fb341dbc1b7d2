"""The "record afterwards" page: blocks, the sheet with default whole-lecture times, the
scan, a meeting's report and its names to assign."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.conftest import World
from tests.deckmaker import png
from tests.lectures import reports
from tests.lectures.test_afterwards import in_english, jst, sheet_rows
from tests.pages import form_token, page, text_of


def _save_for_screenshot(html: str, name: str) -> None:
    """KOSHU_PAGE_DUMP=folder keeps the page with its stylesheet, for a look in a browser."""
    folder = os.environ.get("KOSHU_PAGE_DUMP")
    if folder:
        static = Path(__file__).resolve().parents[2] / "app" / "web" / "static"
        Path(folder, name).write_text(html.replace('"/static/', f'"file://{static}/'))


def test_staff_record_a_paper_lecture_from_the_page(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    url = f"/lectures/{lecture['id']}/recorded"
    doc = page(staff, f"/lectures/{lecture['id']}")
    assert doc.xpath(f'//a[@href="{url}"]'), "the lecture's page links to the recording page"
    doc = page(staff, url)
    present = doc.xpath('//input[@name="present"]')
    assert [p.get("value") for p in present] == [str(world.trainee_a.id)]
    assert present[0].get("checked") is not None, "every trainee is ticked at first"
    response = staff.post(
        url,
        data={
            "csrf_token": form_token(doc, url),
            "day": "2026-12-03",
            "via": "paper",
            "block_start": ["09:00", "13:00", ""],
            "block_end": ["11:00", "14:00", ""],
            "block_modules": ["0/LP-01", "1/LP-02"],
            "trainee_ids": [str(world.trainee_a.id)],
            "present": [str(world.trainee_a.id)],
            "arrived": ["09:15"],
            "left": [""],
            "venue": "公民館 2F",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    row = sheet_rows(staff, lecture["id"])[world.trainee_a.id]
    assert row["minutes"]["training-act"] == 105 and row["minutes"]["immigration"] == 60
    doc = page(staff, url + "?saved=1")
    assert "09:15" in [i.get("value") for i in doc.xpath('//input[@name="arrived"]')]
    (first, second) = [
        [text_of(cell) for cell in row.xpath("td")] for row in doc.xpath("(//table)[1]//tr[td]")
    ]
    assert first == ["09:00", "11:00", "技能実習法及び制度", "LP-01", "120"]
    assert second == ["13:00", "14:00", "出入国管理及び難民認定法", "LP-02", "60"]

    scan = staff.post(
        f"/lectures/{lecture['id']}/evidence",
        data={"csrf_token": form_token(doc, f"/lectures/{lecture['id']}/evidence")},
        files={"file": ("sheet.png", png((1, 2, 3)), "image/png")},
        follow_redirects=False,
    )
    assert scan.status_code == 303
    doc = page(staff, url)
    assert doc.xpath('//div[@id="evidence"]//a[text()="sheet.png"]')
    _save_for_screenshot(staff.get(url).text, "recorded.html")


def test_a_refused_form_keeps_what_was_typed_and_says_why(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = in_english(signed_in(world.staff_a))
    url = f"/lectures/{lecture['id']}/recorded"
    doc = page(staff, url)
    response = staff.post(
        url,
        data={
            "csrf_token": form_token(doc, url),
            "day": "2026-12-03",
            "block_start": ["09:00", "10:30"],
            "block_end": ["11:00", "12:00"],
            "block_modules": ["0/LP-01", "1/LP-02"],
            "trainee_ids": [str(world.trainee_a.id)],
            "present": [str(world.trainee_a.id)],
            "arrived": ["09:15"],
            "left": [""],
        },
    )
    assert response.status_code == 422
    assert "Two blocks overlap: 09:00–11:00 and 10:30–12:00." in response.text
    assert 'value="10:30"' in response.text and 'value="09:15"' in response.text


def test_the_meeting_report_lists_the_names_to_assign(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    url = f"/lectures/{lecture['id']}/recorded"
    assert (
        staff.post(
            f"/api/v1/lectures/{lecture['id']}/recorded",
            json={
                "via": "meeting",
                "blocks": [
                    {"modules": ["LP-01"], "start": jst(9).isoformat(), "end": jst(11).isoformat()}
                ],
            },
        ).status_code
        == 200
    )
    doc = page(staff, url)
    report = reports.teams(
        [
            ("FAMILYA VAN AN", "", jst(9), jst(10)),
            ("Interpreter Mai", "mai@example.org", jst(9), jst(11)),
            ("Galaxy A23", "", jst(10, 5), jst(11)),
        ]
    )
    imported = staff.post(
        f"/lectures/{lecture['id']}/meeting-report",
        data={"csrf_token": form_token(doc, f"/lectures/{lecture['id']}/meeting-report")},
        files={"file": ("attendance.csv", report, "text/csv")},
        follow_redirects=False,
    )
    assert imported.status_code == 303, imported.text
    doc = page(staff, url)
    unmatched = doc.xpath('//div[@id="meeting"]//form[contains(@action, "/assign")]')
    assert [f.xpath('.//input[@name="name"]/@value')[0] for f in unmatched] == [
        "Interpreter Mai",
        "Galaxy A23",
    ]
    _save_for_screenshot(staff.get(url).text, "meeting.html")
    assigned = staff.post(
        f"/lectures/{lecture['id']}/meeting-report/assign",
        data={
            "csrf_token": unmatched[1].xpath('.//input[@name="csrf_token"]/@value')[0],
            "evidence_id": unmatched[1].xpath('.//input[@name="evidence_id"]/@value')[0],
            "name": "Galaxy A23",
            "trainee_id": str(world.trainee_a.id),
        },
        follow_redirects=False,
    )
    assert assigned.status_code == 303
    assert sheet_rows(staff, lecture["id"])[world.trainee_a.id]["total"] == 115
