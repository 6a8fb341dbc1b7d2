"""Lecture state to every connected page: in-process (SQLite) or PostgreSQL LISTEN/NOTIFY.

``publish`` takes the request's session and delivers the message only when that session
commits, so a page never hears of a slide change that was rolled back. With PostgreSQL the
message is a NOTIFY sent inside the transaction; each app process LISTENs on one channel and
hands messages to its own subscribers, so a trainee connected to any process follows a
presenter on any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
PG_CHANNEL = "koshu_events"
# Sent to every local stream when LISTEN reconnects: re-read the state, something may be lost.
RESYNC: dict[str, Any] = {"resync": True}


class Hub:
    """This process's subscribers, per topic (e.g. ``lecture:12``).

    Each subscriber's queue is fed on the event loop it subscribed from, so the hub works
    from any thread and with several loops (tests open more than one client per app).
    """

    def __init__(self) -> None:
        self._queues: dict[str, dict[asyncio.Queue[dict[str, Any]], asyncio.AbstractEventLoop]] = (
            defaultdict(dict)
        )

    def deliver(self, topic: str, message: dict[str, Any]) -> None:
        """Hand a message to every local subscriber of the topic (from any thread): at once
        on the loop that is running here, with one wake-up of each other loop (not one per
        subscriber: a thousand phones of one lecture share a loop)."""
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Queue[dict[str, Any]]]] = {}
        for queue, loop in list(self._queues.get(topic, {}).items()):
            by_loop.setdefault(loop, []).append(queue)
        try:
            here: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # a worker thread (SQLite: the request's session commits there)
            here = None
        for loop, queues in by_loop.items():
            if loop is here:
                _put_all(queues, message)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_put_all, queues, message)

    def deliver_everywhere(self, message: dict[str, Any]) -> None:
        """Hand a message to every local subscriber of every topic (from any thread)."""
        for topic in list(self._queues):
            self.deliver(topic, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=64)
        self._queues[topic][queue] = asyncio.get_running_loop()
        try:
            yield queue
        finally:
            self._queues[topic].pop(queue, None)
            if not self._queues[topic]:
                self._queues.pop(topic, None)


def _put_all(queues: list[asyncio.Queue[dict[str, Any]]], message: dict[str, Any]) -> None:
    for queue in queues:
        # A page that cannot keep up only needs the newest state: drop the oldest message.
        if queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
        queue.put_nowait(message)


class InProcessBroadcaster:
    """For SQLite and a single process: deliver after the session commits."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def publish(self, session: Session, topic: str, message: dict[str, Any]) -> None:
        session.connection()  # join (or begin) the transaction whose commit delivers it
        pending = session.info.setdefault("koshu_broadcasts", [])
        pending.append((topic, message))
        if not session.info.get("koshu_broadcast_hooked"):
            session.info["koshu_broadcast_hooked"] = True
            event.listen(session, "after_commit", self._after_commit)
            event.listen(session, "after_soft_rollback", _forget)

    def _after_commit(self, session: Session) -> None:
        for topic, message in session.info.pop("koshu_broadcasts", []):
            self.hub.deliver(topic, message)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def _forget(session: Session, _previous_transaction: Any) -> None:
    session.info.pop("koshu_broadcasts", None)


class PostgresBroadcaster:
    """For PostgreSQL and many processes: NOTIFY in the transaction, LISTEN in every process."""

    def __init__(self, hub: Hub, database_url: str) -> None:
        self.hub = hub
        self.conninfo = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        # One LISTEN task per running event loop (an app normally has one; tests may open two).
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    def publish(self, session: Session, topic: str, message: dict[str, Any]) -> None:
        payload = json.dumps({"topic": topic, "message": message}, separators=(",", ":"))
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": PG_CHANNEL, "payload": payload},
        )

    async def start(self) -> None:
        listening = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._tasks[loop] = loop.create_task(self._listen(listening), name="koshu-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listening.wait(), timeout=10)

    async def stop(self) -> None:
        task = self._tasks.pop(asyncio.get_running_loop(), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, listening: asyncio.Event) -> None:
        import psycopg

        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {PG_CHANNEL}")
                    if listening.is_set():
                        # Reconnected: what was sent while nobody listened is lost; every
                        # stream re-reads its lecture's state (its version says what changed).
                        self.hub.deliver_everywhere(RESYNC)
                    listening.set()
                    delay = 0.5
                    async for notice in connection.notifies():
                        data = json.loads(notice.payload)
                        self.hub.deliver(data["topic"], data["message"])
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarted or the network dropped: listen again
                log.exception("LISTEN connection lost; reconnecting in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)


Broadcaster = InProcessBroadcaster | PostgresBroadcaster


def make_broadcaster(database_url: str) -> Broadcaster:
    hub = Hub()
    if database_url.startswith("postgresql"):
        return PostgresBroadcaster(hub, database_url)
    return InProcessBroadcaster(hub)
