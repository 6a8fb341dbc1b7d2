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

Pings are kept in memory and written together (``app.lectures.pings``); ``apply_pings``
applies these rules to a batch, in the order the pings arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, bindparam, case, insert, or_, select, update
from sqlalchemy.orm import Session

from app.cohorts.models import Trainee
from app.courses.definitions import PresenceRules
from app.db import UTCDateTime, utcnow
from app.lectures.credit import Interval
from app.lectures.models import Lecture, PresenceGap, PresenceInterval
from app.lectures.schemas import Room, RoomTrainee

# Gaps whose time counts: pending (nobody has looked yet) and accepted by the lecturer.
CREDITED_GAPS = ("pending", "accepted")


@dataclass(frozen=True)
class PingSignal:
    """What the page says besides "I am here"."""

    leaving: bool = False  # the page is being closed or left
    device: str | None = None  # a random id of this page, the same for every ping it sends


@dataclass(frozen=True)
class Heard:
    """A ping as the server heard it: who, in which lecture, when (the server's time), and
    the rules of the lecture's course definition."""

    lecture_id: int
    trainee_id: int
    at: datetime
    signal: PingSignal
    rules: PresenceRules


@dataclass
class _Stretch:
    """An interval as the pings being written leave it (``id`` is None for a new one)."""

    id: int | None
    started_at: datetime
    last_seen_at: datetime
    device: str | None
    closed: bool = False
    departed: bool = False
    changed: bool = False


def apply_pings(session: Session, heard: list[Heard]) -> None:
    """Write pings, in the order they were heard: extend, end, or start intervals of presence.

    One statement reads the open intervals of everyone who pinged; one updates those that
    changed, one inserts the new ones and one the bridged gaps, whatever the number of pings.
    Pings for a lecture that has ended since they were heard are dropped: ending the lecture
    already ran every interval still alive to its end (``close_at_end``); so are those of a
    cancelled lecture.

    Updates only ever move ``last_seen_at`` forward and close an interval, never reopen one,
    so two processes writing pings of the same trainee at once cannot undo each other.
    """
    if not heard:
        return
    lecture_ids = {h.lecture_id for h in heard}
    ended = set(
        session.scalars(
            select(Lecture.id).where(
                Lecture.id.in_(lecture_ids), Lecture.status.in_(("ended", "cancelled"))
            )
        )
    )
    heard = [h for h in heard if h.lecture_id not in ended]
    if not heard:
        return
    latest: dict[tuple[int, int], _Stretch] = {}
    stored: list[_Stretch] = []  # the open intervals read, even once a newer one follows
    for row in session.execute(
        select(
            PresenceInterval.id,
            PresenceInterval.lecture_id,
            PresenceInterval.trainee_id,
            PresenceInterval.started_at,
            PresenceInterval.last_seen_at,
            PresenceInterval.device,
            PresenceInterval.departed,
        )
        .where(
            PresenceInterval.lecture_id.in_({h.lecture_id for h in heard}),
            PresenceInterval.trainee_id.in_({h.trainee_id for h in heard}),
            PresenceInterval.source == "device",
            PresenceInterval.closed.is_(False),
        )
        .order_by(PresenceInterval.id)
    ):
        latest[(row.lecture_id, row.trainee_id)] = _Stretch(
            row.id, row.started_at, row.last_seen_at, row.device, departed=row.departed
        )
        stored.append(latest[(row.lecture_id, row.trainee_id)])
    added: list[tuple[Heard, _Stretch]] = []
    gaps: list[dict[str, object]] = []
    for ping in heard:
        key = (ping.lecture_id, ping.trainee_id)
        leaving = ping.signal.leaving
        current = latest.get(key)
        if current is not None and current.closed:
            current = None  # the page left, or the interval ended: only a new one follows
        if current is not None and ping.at - current.last_seen_at <= timedelta(
            seconds=ping.rules.ping_gap_seconds
        ):
            current.last_seen_at = max(current.last_seen_at, ping.at)
            current.closed = current.departed = leaving
            current.changed = True
            continue
        if current is not None:
            current.closed = current.changed = True
            if _bridges(current, ping):
                gaps.append(
                    {
                        "lecture_id": ping.lecture_id,
                        "trainee_id": ping.trainee_id,
                        "started_at": current.last_seen_at,
                        "ended_at": ping.at,
                    }
                )
        # A page that says it is leaving right after a silence still leaves a mark of
        # the moment (an empty interval, credited nothing), so the room shows it as gone.
        latest[key] = _Stretch(
            None, ping.at, ping.at, ping.signal.device, closed=leaving, departed=leaving
        )
        added.append((ping, latest[key]))
    _write(session, [s for s in stored if s.changed], added, gaps)


def _bridges(quiet: _Stretch, ping: Heard) -> bool:
    """Whether the quiet stretch since ``quiet`` ended is a gap the same page bridged."""
    return (
        not quiet.departed
        and ping.signal.device is not None
        and quiet.device == ping.signal.device
        and ping.at - quiet.last_seen_at <= timedelta(minutes=ping.rules.bridge_max_minutes)
    )


_INTERVALS = PresenceInterval.__table__
# Forward only and never reopened: see apply_pings.
_UPDATE = (
    update(_INTERVALS)
    .where(_INTERVALS.c.id == bindparam("b_id"))
    .values(
        last_seen_at=case(
            (
                _INTERVALS.c.last_seen_at < bindparam("b_seen", type_=UTCDateTime()),
                bindparam("b_seen", type_=UTCDateTime()),
            ),
            else_=_INTERVALS.c.last_seen_at,
        ),
        closed=or_(_INTERVALS.c.closed, bindparam("b_closed", type_=Boolean())),
        departed=or_(_INTERVALS.c.departed, bindparam("b_departed", type_=Boolean())),
    )
)


def _write(
    session: Session,
    changed: list[_Stretch],
    added: list[tuple[Heard, _Stretch]],
    gaps: list[dict[str, object]],
) -> None:
    if changed:
        session.execute(
            _UPDATE,
            [
                {
                    "b_id": s.id,
                    "b_seen": s.last_seen_at,
                    "b_closed": s.closed,
                    "b_departed": s.departed,
                }
                for s in changed
            ],
        )
    if added:
        session.execute(
            insert(PresenceInterval),
            [
                {
                    "lecture_id": ping.lecture_id,
                    "trainee_id": ping.trainee_id,
                    "started_at": s.started_at,
                    "last_seen_at": s.last_seen_at,
                    "device": s.device,
                    "closed": s.closed,
                    "departed": s.departed,
                    "source": "device",
                }
                for ping, s in added
            ],
        )
    if gaps:
        session.execute(insert(PresenceGap), gaps)


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
