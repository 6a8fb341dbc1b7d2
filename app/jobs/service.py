"""Enqueue, claim and finish jobs.

Claiming is one conditional UPDATE (``... WHERE id = :id AND status = 'queued'``): exactly one
process wins it on SQLite and PostgreSQL alike, so several app processes and ``koshu worker``
can poll the same table safely.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.jobs.models import Job

log = logging.getLogger(__name__)

JobHandler = Callable[[Session, dict[str, Any], Settings], None]
_handlers: dict[str, JobHandler] = {}


def handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of this kind."""

    def register(func: JobHandler) -> JobHandler:
        _handlers[kind] = func
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


def claim_next(session: Session, *, kinds: list[str] | None = None) -> Job | None:
    """Claim the oldest queued job and return it, or None when there is nothing to do."""
    query = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(5)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    for job_id in session.scalars(query).all():
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(
                status="running",
                started_at=utcnow(),
                worker=worker_name(),
                attempts=Job.attempts + 1,
            )
        )
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(Job, job_id)
    return None


def run_one(factory: sessionmaker[Session], settings: Settings) -> Job | None:
    """Claim and run one job in its own transaction; a failure is recorded, not raised."""
    with factory() as session:
        job = claim_next(session, kinds=list(_handlers))
        if job is None:
            return None
        job_id, kind, payload = job.id, job.kind, dict(job.payload)
    with factory() as session:
        try:
            _handlers[kind](session, payload, settings)
            session.execute(
                update(Job).where(Job.id == job_id).values(status="done", finished_at=utcnow())
            )
            session.commit()
        except Exception as exc:
            session.rollback()
            log.exception("job %s (%s) failed", job_id, kind)
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status="failed", finished_at=utcnow(), error=str(exc)[:2000])
            )
            session.commit()
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
