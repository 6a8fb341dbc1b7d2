"""Enqueue, claim, renew and finish jobs.

Claiming is one conditional UPDATE: exactly one process wins it on SQLite and PostgreSQL
alike, so several app processes and ``koshu worker`` can poll the same table safely.

A claimed job holds a lease that its worker renews while the handler runs. A worker that
dies (killed, out of memory, the machine rebooted) stops renewing; once the lease is over
any worker may claim the job again. Each claim counts as an attempt; a job claimed more
often than ``job_max_attempts`` fails with a message instead of running again. Only the
claim that holds the lease may finish a job, in the same transaction as the handler's
writes, so a worker that lost its lease writes nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from app.config import Settings
from app.db import utcnow
from app.i18n import N_
from app.jobs.models import Job

log = logging.getLogger(__name__)

JobHandler = Callable[[Session, dict[str, Any], Settings], None]
# Told, inside the transaction that fails the job, why it failed (to show it where users look).
FailureHook = Callable[[Session, dict[str, Any], str], None]

ABANDONED = N_(
    "The work was interrupted too often (the process doing it stopped each time) and was "
    "given up. Start it again to retry."
)


@dataclass(frozen=True)
class _Kind:
    run: JobHandler
    on_failure: FailureHook | None


_kinds: dict[str, _Kind] = {}


def handler(
    kind: str, *, on_failure: FailureHook | None = None
) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of this kind, and what to do when one fails."""

    def register(func: JobHandler) -> JobHandler:
        _kinds[kind] = _Kind(func, on_failure)
        return func

    return register


def enqueue(session: Session, *, kind: str, payload: dict[str, Any]) -> Job:
    """Add a job; it becomes visible to workers when the caller's transaction commits."""
    job = Job(kind=kind, payload=payload)
    session.add(job)
    session.flush()
    return job


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _claimable() -> ColumnElement[bool]:
    return or_(
        Job.status == "queued",
        and_(Job.status == "running", Job.lease_expires_at < utcnow()),
    )


def _owned(job_id: int, claim: str) -> ColumnElement[bool]:
    return and_(Job.id == job_id, Job.worker == claim, Job.status == "running")


def _lease(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.job_lease_seconds)


def claim_next(
    session: Session, settings: Settings, *, kinds: list[str] | None = None
) -> Job | None:
    """Claim the oldest queued job (or one whose worker's lease ran out) and return it.

    Returns None when there is nothing to do. A job claimed more than ``job_max_attempts``
    times is failed here, with its kind's failure hook told why, and the search goes on.
    """
    query = select(Job.id).where(_claimable()).order_by(Job.id).limit(5)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    for job_id in session.scalars(query).all():
        claim = f"{worker_name()[:90]}:{uuid.uuid4().hex[:8]}"
        now = utcnow()
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, _claimable())
            .values(
                status="running",
                started_at=now,
                worker=claim,
                lease_expires_at=now + _lease(settings),
                attempts=Job.attempts + 1,
            )
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.commit()
            continue
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        if job.attempts > settings.job_max_attempts:
            log.error("job %s (%s) abandoned after %s attempts", job.id, job.kind, job.attempts - 1)
            _fail(session, job.id, claim, ABANDONED)
            session.commit()
            continue
        session.commit()
        return job
    return None


def renew(factory: sessionmaker[Session], settings: Settings, job_id: int, claim: str) -> bool:
    """Extend the lease of a job this claim still holds; False when it holds it no longer."""
    with factory() as session:
        renewed = session.execute(
            update(Job)
            .where(_owned(job_id, claim))
            .values(lease_expires_at=utcnow() + _lease(settings))
        )
        session.commit()
        return renewed.rowcount == 1  # type: ignore[attr-defined]


class _Heartbeat(threading.Thread):
    """Renew a claimed job's lease three times per lease period until stopped."""

    def __init__(
        self, factory: sessionmaker[Session], settings: Settings, job_id: int, claim: str
    ) -> None:
        super().__init__(name=f"koshu-lease-{job_id}", daemon=True)
        self._args = (factory, settings, job_id, claim)
        self._interval = settings.job_lease_seconds / 3
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self._interval):
            try:
                if not renew(*self._args):
                    log.warning("job %s: lease lost; its result will be discarded", self._args[2])
                    return
            except Exception:  # the database may be briefly unavailable; the lease is long
                log.exception("job %s: could not renew the lease", self._args[2])

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _fail(session: Session, job_id: int, claim: str, message: str) -> bool:
    """Fail the job if this claim holds it, and tell its kind's hook; False if it does not."""
    failed = session.execute(
        update(Job)
        .where(_owned(job_id, claim))
        .values(status="failed", finished_at=utcnow(), lease_expires_at=None, error=message[:2000])
    )
    if failed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    job = session.get(Job, job_id)
    kind = _kinds.get(job.kind) if job else None
    if job is not None and kind is not None and kind.on_failure is not None:
        kind.on_failure(session, dict(job.payload), message)
    return True


def run_one(factory: sessionmaker[Session], settings: Settings) -> Job | None:
    """Claim and run one job in its own transaction; a failure is recorded, not raised.

    The job is marked done in the handler's own transaction, and only while this claim still
    holds its lease: a worker that lost the lease (it was too slow and another took over)
    rolls everything back.
    """
    with factory() as session:
        job = claim_next(session, settings, kinds=list(_kinds))
        if job is None:
            return None
        job_id, kind, payload, claim = job.id, job.kind, dict(job.payload), job.worker or ""
    heartbeat = _Heartbeat(factory, settings, job_id, claim)
    heartbeat.start()
    try:
        with factory() as session:
            try:
                _kinds[kind].run(session, payload, settings)
                done = session.execute(
                    update(Job)
                    .where(_owned(job_id, claim))
                    .values(status="done", finished_at=utcnow(), lease_expires_at=None)
                )
                if done.rowcount == 1:  # type: ignore[attr-defined]
                    session.commit()
                else:
                    session.rollback()
                    log.warning("job %s (%s): lease lost, result discarded", job_id, kind)
            except Exception as exc:
                session.rollback()
                log.exception("job %s (%s) failed", job_id, kind)
                _fail(session, job_id, claim, str(exc))
                session.commit()
    finally:
        heartbeat.stop()
    with factory() as session:
        return session.get(Job, job_id)


def run_until_empty(factory: sessionmaker[Session], settings: Settings) -> int:
    """Run queued jobs until none is left; return how many ran."""
    count = 0
    while run_one(factory, settings) is not None:
        count += 1
    return count


class Worker(threading.Thread):
    """A daemon thread that polls the job table until stopped."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        super().__init__(name="koshu-worker", daemon=True)
        self._factory = factory
        self._settings = settings
        self._poll = settings.worker_poll_seconds
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                if run_one(self._factory, self._settings) is None:
                    self._stop_event.wait(self._poll)
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("job worker loop error")
                self._stop_event.wait(self._poll)

    def stop(self) -> None:
        self._stop_event.set()
