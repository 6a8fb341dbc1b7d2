"""The record page follows the Excel record being prepared, in a real browser on a phone: the
button queues it, the bar reaches 100 % as the worker writes it, and the download link appears,
without the page being reloaded.

The app serves the page from a uvicorn child process (as in test_end_to_end); the export job
runs here, in the test's process, against the same database, as ``koshu worker`` would run it
next to the app: the page learns of it only through its event stream.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs.service import run_until_empty
from tests.browser.signed_in import signed_in_page
from tests.browser.test_end_to_end import (
    PHONE,
    _browser_or_skip,
)
from tests.browser.test_render_progress import WATCH
from tests.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_excel_record_is_prepared_live_and_ends_with_its_link(
    world: World, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    sync_api = _browser_or_skip()
    expect = sync_api.expect
    shots = Path(os.environ.get("KOSHU_SCREENSHOT_DIR") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    signed_in = signed_in_page(sync_api, settings, tmp_path, world.staff_a.email or "", PHONE)
    with signed_in as (page, errors):
        page.goto(f"/cohorts/{world.cohort_a.id}/record")
        page.click("form[action$='/record/export'] button")
        page.wait_for_url(re.compile(r"/record\?export=\d+$"))
        box = page.locator(".progress-box")
        expect(box.locator(".percent")).to_have_text("0%")
        expect(box.locator("a.result")).to_be_hidden()
        page.evaluate(WATCH)

        worker = threading.Thread(target=run_until_empty, args=(session_factory, settings))
        worker.start()
        expect(box.locator(".percent")).to_have_text("100%")
        worker.join(timeout=30)
        result = box.locator("a.result")
        expect(result).to_be_visible()
        expect(result).to_have_attribute(
            "href", re.compile(rf"^/api/v1/cohorts/{world.cohort_a.id}/record-exports/\d+/")
        )
        expect(box.locator(".phase")).to_have_text("完了")
        assert page.evaluate("window.koshuSamePage") is True, "the page was reloaded"
        seen = page.evaluate("window.koshuSeen")
        assert seen[0].startswith("0% ") and seen[-1] == "100% 完了", seen
        with page.expect_download() as download:
            result.click()
        assert download.value.suggested_filename.endswith(".xlsx")
        page.screenshot(path=str(shots / "record-export-progress.png"))
        assert not errors, errors
