"""The Excel record prepared in the background: progress as it is written, then its download."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs.service import run_until_empty
from tests.conftest import World, more_trainees
from tests.pages import form_token, page


def _events(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every ``progress`` event of the stream, read until the server ends it."""
    with client.stream("GET", url) as stream:
        assert stream.status_code == 200
        body = stream.read().decode()
    return [
        json.loads(line.removeprefix("data: "))
        for line in body.splitlines()
        if line.startswith("data: ")
    ]


def _cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def test_the_record_prepared_in_the_background_is_the_one_downloaded_at_once(
    signed_in: Any, world: World, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    more_trainees(session_factory, world, 2)
    staff = signed_in(world.staff_a)
    base = f"/api/v1/cohorts/{world.cohort_a.id}/record-exports"
    started = staff.post(base)
    assert started.status_code == 202, started.text
    export = started.json()
    assert (export["status"], export["percent"], export["finished"]) == ("queued", 0, False)
    assert export["result_url"] is None
    export_id = export["export_id"]
    # Nothing to download before the worker has written it.
    not_yet = staff.get(f"{base}/{export_id}/record.xlsx")
    assert not_yet.status_code == 409
    assert not_yet.json()["error"]["code"] == "export-not-ready"

    # The page follows the stream while the worker writes the workbook, to 100%.
    worker = threading.Thread(target=run_until_empty, args=(session_factory, settings))
    worker.start()
    events = _events(staff, f"{base}/{export_id}/progress/events")
    worker.join()
    percents = [event["percent"] for event in events]
    assert percents == sorted(percents) and percents[-1] == 100
    last = events[-1]
    assert (last["status"], last["written"], last["total"], last["finished"]) == (
        "done",
        3,
        3,
        True,
    )
    assert last["result_url"] == f"{base}/{export_id}/record.xlsx"
    assert staff.get(f"{base}/{export_id}/progress").json() == last

    prepared = staff.get(last["result_url"])
    assert prepared.status_code == 200
    assert prepared.headers["content-type"].startswith("application/vnd.openxmlformats")
    at_once = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/record.xlsx")
    assert _cells(prepared.content) == _cells(at_once.content)
    assert len(_cells(prepared.content)["受講者別"]) == 1 + 3

    # Another cooperative sees none of it, neither through A's cohort nor through its own.
    other = signed_in(world.staff_b)
    for url in (
        f"{base}/{export_id}/progress",
        f"{base}/{export_id}/record.xlsx",
        f"{base}/{export_id}/progress/events",
        f"/api/v1/cohorts/{world.cohort_b.id}/record-exports/{export_id}/record.xlsx",
        f"/api/v1/cohorts/{world.cohort_b.id}/record-exports/{export_id}/progress",
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(base).status_code == 404


def test_the_record_page_prepares_the_workbook_and_links_to_it(
    signed_in: Any, world: World, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    staff = signed_in(world.staff_a)
    record_page = f"/cohorts/{world.cohort_a.id}/record"
    action = f"{record_page}/export"
    # Both the record and the dashboard offer it.
    form_token(page(staff, f"/cohorts/{world.cohort_a.id}/dashboard"), action)
    posted = staff.post(
        action,
        data={"csrf_token": form_token(page(staff, record_page), action)},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert location.startswith(f"{record_page}?export=")
    export_id = location.rsplit("=", 1)[1]
    events = f"/api/v1/cohorts/{world.cohort_a.id}/record-exports/{export_id}/progress/events"
    (box,) = page(staff, location).xpath('//div[@class="progress-box"]')
    assert box.get("data-progress-events") == events
    assert box.get("data-finished") == ""
    assert box.xpath(".//a[@class='result button secondary small']/@hidden")

    assert run_until_empty(session_factory, settings) == 1
    (box,) = page(staff, location).xpath('//div[@class="progress-box"]')
    assert box.get("data-finished") == "1"
    (link,) = box.xpath(".//a[contains(@class, 'result')]")
    assert link.get("href").endswith(f"/record-exports/{export_id}/record.xlsx")
    assert link.get("hidden") is None
    assert staff.get(link.get("href")).status_code == 200
    # Another cooperative's export, or none, shows no box.
    assert not page(staff, f"{record_page}?export=999").xpath('//div[@class="progress-box"]')
