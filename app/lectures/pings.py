"""Pings kept in memory and written together: 1,000 phones pinging must not mean 1,000 writes.

A phone's ping is answered from memory: who may ping which lecture is checked against the
database once (or when the phone's page opened the lecture's event stream) and then trusted
for ``ping_trust_seconds`` (the same cookies and lecture; the CSRF token is checked on every
ping), and the ping itself joins this process's list of pings not yet written. Every
``presence_flush_seconds`` the list is written in one transaction by
``presence.apply_pings`` (a handful of statements, whatever the number of pings), with
exactly the rules a ping written at once would follow: the server's time of each ping is
taken when it arrives, not when it is written.

What can be lost: nothing on a clean shutdown (the app's lifespan writes what is left); on a
crash (the process killed, the machine losing power) the pings of at most one flush
interval. A phone pings every 15 s and intervals are bridged up to ``ping_gap_seconds``, so
a lost second of pings costs no credit unless it held a trainee's only ping.

Ending a lecture writes this process's pings first (``flush_pending``, in the ending
request's transaction), then closes the intervals; pings another process still holds for
an ended lecture are dropped when it writes them (ending ran every live interval to the end).
A login session ended elsewhere (logout, PIN reset) may keep its trusted pings for at most
``ping_trust_seconds``; a lecture ended in this process refuses pings at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.courses.definitions import PresenceRules
from app.db import transaction, utcnow
from app.lectures.presence import Heard, PingSignal, apply_pings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Follower:
    """A trainee allowed to ping a lecture, as checked against the database."""

    lecture_id: int
    trainee_id: int
    status: str  # the lecture's status when checked
    rules: PresenceRules


class PingBuffer:
    """This process's pings not yet written to one database, and the lectures it saw end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._heard: list[Heard] = []
        self._ended: set[int] = set()
        # Held by the transaction writing pings until it ends: the end of a lecture must not
        # close intervals while pings taken a moment before are still being written.
        self.writing = threading.Lock()

    def add(self, heard: Heard) -> None:
        with self._lock:
            self._heard.append(heard)

    def take(self) -> list[Heard]:
        with self._lock:
            heard, self._heard = self._heard, []
            return heard

    def give_back(self, heard: list[Heard]) -> None:
        """Put pings whose write failed back in front, to be written with the next ones."""
        with self._lock:
            self._heard[:0] = heard

    def __len__(self) -> int:
        return len(self._heard)

    def mark_ended(self, lecture_id: int) -> None:
        with self._lock:
            self._ended.add(lecture_id)

    def has_ended(self, lecture_id: int) -> bool:
        return lecture_id in self._ended


# One buffer per database this process writes to (tests run several apps, each its own file).
_BUFFERS: dict[str, PingBuffer] = {}
_BUFFERS_LOCK = threading.Lock()


def buffer_for(bind: Engine | Any) -> PingBuffer:
    key = bind.url.render_as_string(hide_password=True)
    with _BUFFERS_LOCK:
        return _BUFFERS.setdefault(key, PingBuffer())


def record(bind: Engine, follower: Follower, signal: PingSignal) -> Heard:
    """Keep a ping, at the server's time now, to be written with the next flush."""
    heard = Heard(follower.lecture_id, follower.trainee_id, utcnow(), signal, follower.rules)
    buffer_for(bind).add(heard)
    return heard


def flush_pending(session: Session) -> int:
    """Write this process's pings in the session's transaction; they return to the buffer if
    that transaction rolls back. Returns how many pings were written."""
    buffer = buffer_for(session.get_bind())
    session.connection()  # join (or begin) the transaction whose end releases the lock
    if not session.info.get(_WRITING):
        # Called before the transaction writes anything (see live.end), so whoever holds the
        # lock never waits for this transaction's locks in the database.
        if buffer.writing.acquire(timeout=60):
            session.info[_WRITING] = buffer
            if not session.info.get(_WRITE_HOOKED):
                session.info[_WRITE_HOOKED] = True
                event.listen(session, "after_transaction_end", _done_writing)
        else:
            log.error("pings: another transaction kept writing for 60 s; going on without it")
    heard = buffer.take()
    if not heard:
        return 0
    try:
        apply_pings(session, heard)
    except BaseException:
        buffer.give_back(heard)
        raise
    session.info.setdefault(_TAKEN, []).append((buffer, heard))
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _written)
        event.listen(session, "after_soft_rollback", _not_written)
    return len(heard)


_TAKEN, _HOOKED = "koshu_pings_taken", "koshu_pings_hooked"
_WRITING, _WRITE_HOOKED = "koshu_pings_writing", "koshu_pings_write_hooked"


def _done_writing(session: Session, transaction: Any) -> None:
    if transaction.parent is None and (buffer := session.info.pop(_WRITING, None)) is not None:
        buffer.writing.release()


def _written(session: Session) -> None:
    session.info.pop(_TAKEN, None)


def _not_written(session: Session, _previous_transaction: Any) -> None:
    for buffer, heard in reversed(session.info.pop(_TAKEN, [])):
        buffer.give_back(heard)


def flush(session_factory: sessionmaker[Session]) -> int:
    """Write this process's pings now, in a transaction of their own (tests call this too)."""
    with transaction(session_factory) as session:
        return flush_pending(session)


def lecture_ended(session: Session, lecture_id: int) -> None:
    """Refuse this process's pings of the lecture once the session that ends it commits."""
    buffer = buffer_for(session.get_bind())
    event.listen(session, "after_commit", lambda _s: buffer.mark_ended(lecture_id), once=True)


class TrustedFollowers:
    """Who was allowed to ping which lecture, remembered for ``seconds`` per browser."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._known: dict[tuple[str, ...], tuple[float, Follower]] = {}

    @staticmethod
    def key(headers: Any, lecture_id: int) -> tuple[str, ...]:
        # What optional_principal reads to find the caller: the same values, the same answer.
        # (The CSRF token is checked on every ping: it costs a signature, not a query.)
        return (str(lecture_id), headers.get("cookie", ""), headers.get("authorization", ""))

    def get(self, key: tuple[str, ...]) -> Follower | None:
        found = self._known.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def remember(self, key: tuple[str, ...], follower: Follower) -> None:
        if len(self._known) > 50_000:  # a bound: forget the expired, or everything
            now = time.monotonic()
            self._known = {k: v for k, v in self._known.items() if v[0] >= now}
            if len(self._known) > 50_000:
                self._known.clear()
        self._known[key] = (time.monotonic() + self.seconds, follower)


class Flusher:
    """Writes the app's pings every ``seconds``, and what is left when the app stops."""

    def __init__(self, session_factory: sessionmaker[Session], seconds: float) -> None:
        self.session_factory = session_factory
        self.seconds = seconds
        # One task per running event loop (an app normally has one; tests may open two).
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks[loop] = loop.create_task(self._run(), name="koshu-pings")

    async def stop(self) -> None:
        task = self._tasks.pop(asyncio.get_running_loop(), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(flush, self.session_factory)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            try:
                await asyncio.to_thread(flush, self.session_factory)
            except Exception:  # the database is away: the pings wait for the next round
                log.exception("writing pings failed; retrying in %.1f s", self.seconds)
