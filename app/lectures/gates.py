"""Caps on the threads, and so the database connections, that a crowd of phones may take.

A thousand phones opening their event streams at once, or sending their first ping, each
need a database check in a thread. Unbounded, they take all 40 threads of the pool and every
connection of the engine's pool, and the presenter's request waits behind them. Each kind of
crowd work runs through its own gate: at most ``limit`` at once per process and event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)


class ThreadGate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # One semaphore per event loop (an app normally has one; tests may open several).
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """One of the ``limit`` places, for as long as the block runs."""
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        async with gate:
            yield

    async def run(self, function: Callable[..., _T], *args: object) -> _T:
        """Run ``function(*args)`` in the thread pool once fewer than ``limit`` others are."""
        async with self.held():
            return await run_in_threadpool(function, *args)


class Batches(Generic[_K, _T]):
    """Questions of one group (one lecture's phones) asked while a batch of them waits for
    its gate join it, and one call in one thread answers them all: a thousand phones asking
    at once take a few threads and statements, not a thousand.

    ``answer(items)`` returns what it found for each item; an item it leaves out (or a batch
    that failed) is answered None, and the caller checks that one on its own.
    """

    def __init__(self, gate: ThreadGate) -> None:
        self.gate = gate
        self._open: dict[tuple[object, Hashable], dict[_K, asyncio.Future[_T | None]]] = {}
        self._running: dict[tuple[object, Hashable], asyncio.Future[None]] = {}

    async def ask(
        self, group: Hashable, item: _K, answer: Callable[[list[_K]], dict[_K, _T]]
    ) -> _T | None:
        loop = asyncio.get_running_loop()
        key = (loop, group)
        batch = self._open.get(key)
        if batch is not None:  # a batch is waiting for the gate: join it
            return await asyncio.shield(batch.setdefault(item, loop.create_future()))
        batch = self._open[key] = {item: loop.create_future()}
        found: dict[_K, _T] = {}
        try:
            # One batch of a group at a time: the next one gathers while this one runs.
            while (running := self._running.get(key)) is not None:
                await asyncio.shield(running)
            finished = self._running[key] = loop.create_future()
            try:
                async with self.gate.held():
                    if self._open.get(key) is batch:
                        del self._open[key]  # closed: who asks from now on starts the next
                    found = await run_in_threadpool(answer, list(batch))
            finally:
                del self._running[key]
                finished.set_result(None)
        finally:
            if self._open.get(key) is batch:
                del self._open[key]
            for asked, future in batch.items():
                if not future.done():
                    future.set_result(found.get(asked))
        return found.get(item)


# Event streams: the first state, and the check every stream_check_seconds.
STREAMS = ThreadGate(8)
# Pings from a browser not yet trusted (app.lectures.pings): the first of each phone.
PING_CHECKS = ThreadGate(8)
