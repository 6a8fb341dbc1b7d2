"""Caps on the threads, and so the database connections, that a crowd of phones may take.

A thousand phones opening their event streams at once, or sending their first ping, each
need a database check in a thread. Unbounded, they take all 40 threads of the pool and every
connection of the engine's pool, and the presenter's request waits behind them. Each kind of
crowd work runs through its own gate: at most ``limit`` at once per process and event loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

_T = TypeVar("_T")


class ThreadGate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # One semaphore per event loop (an app normally has one; tests may open several).
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, function: Callable[..., _T], *args: object) -> _T:
        """Run ``function(*args)`` in the thread pool once fewer than ``limit`` others are."""
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        async with gate:
            return await run_in_threadpool(function, *args)


# Event streams: the first state, and the check every stream_check_seconds.
STREAMS = ThreadGate(8)
# Pings from a browser not yet trusted (app.lectures.pings): the first of each phone.
PING_CHECKS = ThreadGate(8)
