"""The event stream of work running in the background (a rendering, an export).

The work runs in a job worker that may be another process, so the stream reads the progress
the worker writes down rather than waiting for a message: at once, then on each change, until
the work is finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol, TypeVar

from fastapi import Request
from fastapi.sse import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from app.errors import DomainError

PROGRESS_EVERY = 0.5  # seconds between looks at the database while the work runs


class Progress(Protocol):
    @property
    def finished(self) -> bool: ...


P = TypeVar("P", bound=Progress)


async def progress_events(
    request: Request, start: P, read: Callable[[], P]
) -> AsyncIterator[ServerSentEvent]:
    """``progress`` events: ``start``, then what ``read`` (run in a thread, in a session of
    its own, checking the caller again) returns whenever it changes, until it is finished.
    The stream ends quietly once ``read`` raises a DomainError (signed out, the work gone)."""
    yield ServerSentEvent(event="progress", data=start, retry=2000)
    last, quiet_since = start, time.monotonic()
    keep_alive = request.app.state.settings.stream_check_seconds
    while not last.finished:
        await asyncio.sleep(PROGRESS_EVERY)
        if await request.is_disconnected():
            return
        try:
            now = await run_in_threadpool(read)
        except DomainError:
            return
        if now != last:
            last, quiet_since = now, time.monotonic()
            yield ServerSentEvent(event="progress", data=now)
        elif time.monotonic() - quiet_since >= keep_alive:
            quiet_since = time.monotonic()
            yield ServerSentEvent(comment="keep-alive")
