"""Presence: what a trainee's phone page says (pings), and what the server makes of it.

Only the server's clock counts: nothing the phone says about time is used. The rules, with
their limits from the course definition (``[presence]``):

- Pings closer than ``ping_gap_seconds`` extend one interval of presence.
- A page that is closed or navigated away says so ("leaving"): its interval ends there, and
  nothing after it is credited until the page pings again.
- A page that went quiet (the screen slept, the network dropped) and pings again from the
  same page within ``bridge_max_minutes``, without having left, was in the room all along
  as far as anyone can tell: the gap is recorded as a *bridged gap*, credited while pending
  and shown on the sheet for the lecturer to accept or reject. A page that never comes back
  is a departure at its last ping.
- Ending the lecture closes every interval still open at the end time, so a trainee whose
  last ping came a few seconds before "end" is present to the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.cohorts.models import Trainee
from app.courses.definitions import PresenceRules
from app.db import utcnow
from app.lectures.access import Followed
from app.lectures.credit import Interval
from app.lectures.errors import LectureEnded, LectureStateError
from app.lectures.models import Lecture, PresenceGap, PresenceInterval
from app.lectures.schemas import PingRead, Room, RoomTrainee

# Gaps whose time counts: pending (nobody has looked yet) and accepted by the lecturer.
CREDITED_GAPS = ("pending", "accepted")


@dataclass(frozen=True)
class PingSignal:
    """What the page says besides "I am here"."""

    leaving: bool = False  # the page is being closed or left
    device: str | None = None  # a random id of this page, the same for every ping it sends


def ping(
    session: Session, followed: Followed, rules: PresenceRules, signal: PingSignal
) -> PingRead:
    """Record a ping at the server's time: extend, end, or start an interval of presence."""
    lecture, trainee = followed.lecture, followed.trainee
    if lecture.status == "ended":
        raise LectureEnded()
    if lecture.status == "cancelled":  # no presence is kept of a lecture that never was
        raise LectureStateError(status=lecture.status)
    now = utcnow()
    interval = session.scalar(
        select(PresenceInterval)
        .where(
            PresenceInterval.lecture_id == lecture.id,
            PresenceInterval.trainee_id == trainee.id,
            PresenceInterval.source == "device",
            PresenceInterval.closed.is_(False),
        )
        .order_by(PresenceInterval.id.desc())
    )
    if interval is not None and now - interval.last_seen_at <= timedelta(
        seconds=rules.ping_gap_seconds
    ):
        interval.last_seen_at = now
        interval.closed = interval.departed = signal.leaving
    else:
        if interval is not None:
            interval.closed = True
            if _bridges(interval, now, rules, signal):
                session.add(
                    PresenceGap(
                        lecture_id=lecture.id,
                        trainee_id=trainee.id,
                        started_at=interval.last_seen_at,
                        ended_at=now,
                    )
                )
        # A page that says it is leaving right after a silence still leaves a mark of
        # the moment (an empty interval, credited nothing), so the room shows it as gone.
        session.add(
            PresenceInterval(
                lecture_id=lecture.id,
                trainee_id=trainee.id,
                started_at=now,
                last_seen_at=now,
                device=signal.device,
                closed=signal.leaving,
                departed=signal.leaving,
            )
        )
    session.flush()
    return PingRead(lecture=lecture.id, status=lecture.status, at=now)


def _bridges(
    quiet: PresenceInterval, now: datetime, rules: PresenceRules, signal: PingSignal
) -> bool:
    """Whether the quiet stretch since ``quiet`` ended is a gap the same page bridged."""
    return (
        not quiet.departed
        and signal.device is not None
        and quiet.device == signal.device
        and now - quiet.last_seen_at <= timedelta(minutes=rules.bridge_max_minutes)
    )


def close_at_end(session: Session, lecture: Lecture, rules: PresenceRules) -> None:
    """Close the open intervals when the lecture ends; those still alive run to the end."""
    assert lecture.ended_at is not None
    alive_since = lecture.ended_at - timedelta(seconds=rules.ping_gap_seconds)
    open_intervals = (
        PresenceInterval.lecture_id == lecture.id,
        PresenceInterval.closed.is_(False),
    )
    session.execute(
        update(PresenceInterval)
        .where(*open_intervals, PresenceInterval.last_seen_at >= alive_since)
        .values(last_seen_at=lecture.ended_at, closed=True)
    )
    session.execute(update(PresenceInterval).where(*open_intervals).values(closed=True))


@dataclass(frozen=True)
class Stretch:
    """A stretch of presence, and where it came from (device, paper, meeting)."""

    started_at: datetime
    ended_at: datetime
    source: str


@dataclass(frozen=True)
class Gap:
    """A bridged gap as the sheet shows it."""

    id: int
    started_at: datetime
    ended_at: datetime
    status: str
    reason: str


@dataclass(frozen=True)
class Evidence:
    """What says a trainee was there: stretches of presence, and bridged gaps."""

    stretches: list[Stretch]
    gaps: list[Gap]  # every status; only CREDITED_GAPS count

    @property
    def credited(self) -> list[Interval]:
        """The time that counts as present, before it is cut to what was on screen."""
        return [(p.started_at, p.ended_at) for p in self.stretches] + [
            (g.started_at, g.ended_at) for g in self.gaps if g.status in CREDITED_GAPS
        ]

    @property
    def sources(self) -> set[str]:
        return {p.source for p in self.stretches}


def evidence(session: Session, lecture_id: int, trainee_id: int) -> Evidence:
    """The trainee's presence in the lecture, however it was recorded."""
    return evidence_by_trainee(session, lecture_id, [trainee_id])[trainee_id]


def evidence_by_trainee(
    session: Session, lecture_id: int, trainee_ids: list[int]
) -> dict[int, Evidence]:
    """Every listed trainee's presence in the lecture, in two statements whatever their number.

    Plain rows, not ORM objects: a lecture day of 300 phones has thousands of them.
    """
    found: dict[int, Evidence] = {t: Evidence(stretches=[], gaps=[]) for t in trainee_ids}
    for trainee_id, started, ended, source in session.execute(
        select(
            PresenceInterval.trainee_id,
            PresenceInterval.started_at,
            PresenceInterval.last_seen_at,
            PresenceInterval.source,
        )
        .where(
            PresenceInterval.lecture_id == lecture_id,
            PresenceInterval.trainee_id.in_(trainee_ids),
        )
        .order_by(PresenceInterval.started_at)
    ):
        found[trainee_id].stretches.append(Stretch(started, ended, source))
    for trainee_id, gap_id, started, ended, status, reason in session.execute(
        select(
            PresenceGap.trainee_id,
            PresenceGap.id,
            PresenceGap.started_at,
            PresenceGap.ended_at,
            PresenceGap.status,
            PresenceGap.reason,
        )
        .where(PresenceGap.lecture_id == lecture_id, PresenceGap.trainee_id.in_(trainee_ids))
        .order_by(PresenceGap.started_at)
    ):
        found[trainee_id].gaps.append(Gap(gap_id, started, ended, status, reason))
    return found


def room(session: Session, lecture: Lecture, trainees: list[Trainee], rules: PresenceRules) -> Room:
    """Who is following now (pinged within the gap), asleep (quiet, not left), left, or never
    joined: the presenter sees the room during the lecture, not on the sheet afterwards."""
    latest: dict[int, PresenceInterval] = {}
    for interval in session.scalars(
        select(PresenceInterval)
        .where(PresenceInterval.lecture_id == lecture.id, PresenceInterval.source == "device")
        .order_by(PresenceInterval.last_seen_at)
    ):
        latest[interval.trainee_id] = interval
    alive_since = utcnow() - timedelta(seconds=rules.ping_gap_seconds)
    people = []
    for trainee in trainees:
        seen = latest.get(trainee.id)
        if seen is None:
            state = "not-joined"
        elif seen.departed:
            state = "left"
        elif seen.last_seen_at >= alive_since and not seen.closed:
            state = "following"
        else:
            state = "asleep"
        people.append(
            RoomTrainee(
                trainee_id=trainee.id,
                name=f"{trainee.family_name} {trainee.given_name}",
                state=state,  # type: ignore[arg-type]
                last_seen_at=seen.last_seen_at if seen else None,
            )
        )
    people.sort(key=lambda p: (p.state == "following", p.name))
    return Room(
        expected=len(people),
        following=sum(1 for p in people if p.state == "following"),
        trainees=people,
    )
