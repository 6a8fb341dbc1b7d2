"""A page of the app served by a uvicorn child process (as in test_end_to_end), in real
Chromium, signed in as one user: what the live-progress tests share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from app.config import Settings
from tests.browser.test_end_to_end import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    ServerClock,
    _server,
)
from tests.conftest import PASSWORD


@contextmanager
def signed_in_page(
    sync_api: Any, settings: Settings, tmp_path: Path, email: str, viewport: dict[str, Any]
) -> Iterator[tuple[Any, list[str]]]:
    """The page, signed in as ``email`` in Japanese, and the script errors it has raised."""
    with ExitStack() as stack:
        clock = ServerClock(tmp_path / "clock-offset")
        url = stack.enter_context(_server(settings, clock.path, tmp_path / "server.log"))
        playwright = stack.enter_context(sync_api.sync_playwright())
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        stack.callback(browser.close)
        context = browser.new_context(base_url=url, locale="ja-JP", **viewport)
        context.set_default_timeout(WAIT_MS)
        stack.callback(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/login)"))
        yield page, errors
