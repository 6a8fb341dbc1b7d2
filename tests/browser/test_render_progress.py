"""The import page follows the slide-image rendering live, in a real browser: the bar moves
from 0 % to 100 % while LibreOffice and the rasteriser work, and a link to the slides appears,
without the page being reloaded.

The app serves the page from a uvicorn child process (as in test_end_to_end); the rendering
job runs here, in the test's process, against the same database, as ``koshu worker`` would
run it next to the app: the page learns of it only through its event stream.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs.service import run_until_empty
from tests.browser.signed_in import signed_in_page
from tests.browser.test_end_to_end import (
    LAPTOP,
    _browser_or_skip,
)
from tests.conftest import World, soffice_or_skip, upload
from tests.courses.test_rendering import RED, colour_deck

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.rendering]

# Every text the progress box shows, in order of appearance, without a reload in between.
WATCH = """() => {
  window.koshuSamePage = true;
  window.koshuSeen = [];
  const box = document.querySelector('.progress-box');
  const note = () => window.koshuSeen.push(
    box.querySelector('.percent').textContent + ' ' + box.querySelector('.phase').textContent);
  note();
  new MutationObserver(note).observe(box, {subtree: true, childList: true, characterData: true});
}"""


def test_the_rendering_progress_reaches_100_percent_without_a_reload(
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    make_settings: Callable[..., Settings],
    open_client: Any,
    tmp_path: Path,
) -> None:
    sync_api = _browser_or_skip()
    expect = sync_api.expect
    soffice_or_skip()
    rendering = make_settings(soffice_path=None)  # finds the installed LibreOffice
    with open_client(rendering) as admin:
        report = upload(admin, colour_deck(tmp_path / "ja.pptx", "ja", RED), "ja").json()
    assert report["rendering"] == "queued"
    page_url = f"/courses/legal-protection/imports/{report['import_id']}"
    shots = Path(os.environ.get("KOSHU_SCREENSHOT_DIR") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    signed_in = signed_in_page(sync_api, settings, tmp_path, world.lecturer.email or "", LAPTOP)
    with signed_in as (page, errors):
        page.goto(page_url)
        box = page.locator(".progress-box")
        expect(box.locator(".percent")).to_have_text("0%")
        expect(box.locator("a.result")).to_be_hidden()
        page.evaluate(WATCH)

        worker = threading.Thread(target=run_until_empty, args=(session_factory, rendering))
        worker.start()
        expect(box.locator(".percent")).to_have_text("100%", timeout=90_000)
        worker.join(timeout=30)
        result = box.locator("a.result")
        expect(result).to_be_visible()
        expect(result).to_have_attribute("href", "/courses/legal-protection/revisions/1")
        expect(box.locator(".phase")).to_have_text("完了")
        assert page.evaluate("window.koshuSamePage") is True, "the page was reloaded"
        seen = page.evaluate("window.koshuSeen")
        assert seen[0].startswith("0% ") and seen[-1] == "100% 完了"
        assert any("LibreOffice" in text for text in seen), seen  # it showed the work going on
        page.screenshot(path=str(shots / "import-render-progress.png"))
        assert not errors, errors
