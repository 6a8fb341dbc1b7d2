"""The poll timer: closes polls whose countdown is over, by the server's clock.

Phones only show the time left; the server refuses late answers on its own. The timer makes
the close happen on every screen at the deadline even when the presenter presses nothing.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.lectures import live
from app.lectures.broadcast import Broadcaster

log = logging.getLogger(__name__)


class PollTimer:
    """A daemon thread that closes the polls due every ``interval`` seconds (0: never)."""

    def __init__(
        self, factory: sessionmaker[Session], broadcaster: Broadcaster, interval: float
    ) -> None:
        self._factory = factory
        self._broadcaster = broadcaster
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> int:
        """Close the polls that are due now; return how many."""
        with transaction(self._factory) as session:
            return live.close_due_polls(session, self._broadcaster)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.tick()
            except Exception:  # the database may be briefly unavailable: try at the next tick
                log.exception("poll timer tick failed")

    def start(self) -> None:
        if self._interval > 0 and self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="koshu-polls", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop after the tick under way, if any (its connection goes back to the pool)."""
        if self._thread is not None:
            self._stopping.set()
            self._thread.join(timeout=10)
            self._thread = None
