"""The poll timer: closes polls whose countdown is over, by the server's clock.

Phones only show the time left; the server refuses late answers on its own. The timer makes
the close happen on every screen at the deadline even when the presenter presses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.db import transaction
from app.lectures import live
from app.lectures.broadcast import Broadcaster

log = logging.getLogger(__name__)


class PollTimer:
    """An asyncio task that looks for polls due to close every ``interval`` seconds."""

    def __init__(
        self, factory: sessionmaker[Session], broadcaster: Broadcaster, interval: float
    ) -> None:
        self._factory = factory
        self._broadcaster = broadcaster
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def tick(self) -> int:
        """Close the polls that are due now; return how many."""
        with transaction(self._factory) as session:
            return live.close_due_polls(session, self._broadcaster)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await run_in_threadpool(self.tick)
            except Exception:  # the database may be briefly unavailable: try at the next tick
                log.exception("poll timer tick failed")

    def start(self) -> None:
        if self._interval > 0:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="koshu-polls")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
