"""The lecture's timeline: what the presenter did when, and the time each area was on screen."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.db import utcnow
from app.lectures import credit
from app.lectures.models import Lecture, LectureEvent
from app.lectures.slides import SlideRef


def record(
    session: Session, lecture: Lecture, kind: str, principal: Principal, ref: SlideRef | None = None
) -> LectureEvent:
    """Write one presenter event at the server's time."""
    event = LectureEvent(
        lecture_id=lecture.id,
        kind=kind,
        at=utcnow(),
        actor_id=principal.user_id,
        module_code=ref.module if ref else None,
        position=ref.position if ref else None,
        area_code=ref.area if ref else None,
    )
    session.add(event)
    session.flush()
    return event


def segments(session: Session, lecture: Lecture) -> list[credit.Segment]:
    """Stretches of running lecture time with the area on screen, up to the end (or now)."""
    events = [
        credit.TimelineEvent(e.at, e.kind, e.area_code)  # type: ignore[arg-type]
        for e in session.scalars(
            select(LectureEvent)
            .where(LectureEvent.lecture_id == lecture.id)
            .order_by(LectureEvent.id)
        )
        if e.kind in ("start", "slide", "pause", "resume", "end")
    ]
    return credit.area_segments(events, until=lecture.ended_at or utcnow())


def area_seconds(session: Session, lecture: Lecture) -> dict[str, float]:
    """Seconds each statutory area has been on screen while the lecture ran, up to now."""
    totals: dict[str, float] = defaultdict(float)
    for segment in segments(session, lecture):
        if segment.area:
            totals[segment.area] += (segment.end - segment.start).total_seconds()
    return dict(totals)
