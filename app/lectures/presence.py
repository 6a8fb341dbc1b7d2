"""Presence: a trainee's open, visible page pings; pings make presence intervals.

Only the server's clock counts: nothing the phone says about time is used.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.lectures.credit import Interval
from app.lectures.errors import LectureEnded
from app.lectures.models import PresenceInterval
from app.lectures.phones import Followed
from app.lectures.schemas import PingRead


def ping(
    session: Session, followed: Followed, *, gap_limit: timedelta, leaving: bool = False
) -> PingRead:
    """Record that the trainee's page is open and visible now.

    Extends the open presence interval when the last ping is recent enough, else starts a
    new one. ``leaving`` closes it (the trainee left the page).
    """
    lecture, trainee = followed.lecture, followed.trainee
    if lecture.status == "ended":
        raise LectureEnded()
    now = utcnow()
    interval = session.scalar(
        select(PresenceInterval)
        .where(
            PresenceInterval.lecture_id == lecture.id,
            PresenceInterval.trainee_id == trainee.id,
            PresenceInterval.closed.is_(False),
        )
        .order_by(PresenceInterval.id.desc())
    )
    if interval is not None and now - interval.last_seen_at <= gap_limit:
        interval.last_seen_at = now
        interval.closed = leaving
    else:
        if interval is not None:
            interval.closed = True
        if not leaving:
            session.add(
                PresenceInterval(
                    lecture_id=lecture.id, trainee_id=trainee.id, started_at=now, last_seen_at=now
                )
            )
    session.flush()
    return PingRead(lecture=lecture.id, status=lecture.status, at=now)


def intervals(session: Session, lecture_id: int, trainee_id: int) -> list[Interval]:
    """The trainee's presence intervals in the lecture as (start, last seen)."""
    return [
        (p.started_at, p.last_seen_at)
        for p in session.scalars(
            select(PresenceInterval).where(
                PresenceInterval.lecture_id == lecture_id,
                PresenceInterval.trainee_id == trainee_id,
            )
        )
    ]
