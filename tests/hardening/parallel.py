"""Run requests from real threads released together, each thread with its own browser."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi.testclient import TestClient

T = TypeVar("T")


def together(browsers: list[TestClient], action: Callable[[TestClient], T]) -> list[T]:
    """Call action(browser) in one thread per browser, all at once; close the browsers after."""
    barrier = threading.Barrier(len(browsers))

    def run(browser: TestClient) -> T:
        barrier.wait()
        return action(browser)

    try:
        with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
            return list(pool.map(run, browsers))
    finally:
        for browser in browsers:
            browser.close()


def copies(client: TestClient, count: int) -> list[TestClient]:
    """Browsers with the client's cookies and headers (signed in as the same user)."""
    return [
        TestClient(client.app, cookies=client.cookies, headers=client.headers) for _ in range(count)
    ]
