"""Presenting a lecture: its live state, slide moves, pause and end, and live quiz polls.

Every function here receives a lecture the caller may present (``PresentedLecture``) and
publishes the new state to every open page inside the transaction, so nobody sees a change
that is then rolled back.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.courses import service as courses
from app.courses.definitions import PresenceRules
from app.courses.models import Revision
from app.db import utcnow
from app.i18n import N_
from app.lectures import pings, presence, scheduling, slides, timeline
from app.lectures.broadcast import Broadcaster
from app.lectures.errors import (
    InvalidLecture,
    LectureEnded,
    LectureStateError,
    NoSuchSlide,
    NotAQuiz,
)
from app.lectures.models import Lecture, Poll, QuizAnswer
from app.lectures.schemas import LiveState, PollResults, PollState, ShownSlide
from app.lectures.slides import SlideRef


def topic(lecture_id: int) -> str:
    return f"lecture:{lecture_id}"


def _still_open() -> ColumnElement[bool]:
    """Not closed, and its countdown (if any) not over by the server's clock."""
    return and_(Poll.closed_at.is_(None), or_(Poll.closes_at.is_(None), Poll.closes_at > utcnow()))


def is_open(poll: Poll) -> bool:
    return poll.closed_at is None and (poll.closes_at is None or poll.closes_at > utcnow())


def open_poll_of(session: Session, lecture_id: int) -> Poll | None:
    """The lecture's open poll; one whose countdown is over counts as closed at once, even
    before the poll timer has written it down."""
    return session.scalar(select(Poll).where(Poll.lecture_id == lecture_id, _still_open()))


def seconds_left(poll: Poll) -> float | None:
    """Seconds until the poll's countdown ends (never below 0); None without a countdown."""
    if poll.closes_at is None:
        return None
    return round(max(0.0, (poll.closes_at - utcnow()).total_seconds()), 1)


def _poll_state(poll: Poll) -> PollState:
    remaining = seconds_left(poll)
    return PollState(
        id=poll.id,
        module=poll.module_code,
        position=poll.position,
        choices=poll.choices,
        closes_at=poll.closes_at,
        remaining=remaining,
    )


def state(session: Session, lecture: Lecture, refs: list[SlideRef] | None = None) -> LiveState:
    """The lecture's live state as every page receives it.

    ``refs`` is the lecture's slide sequence when the caller has already built it.
    """
    poll = open_poll_of(session, lecture.id)
    if refs is None:
        refs = slides.sequence(session, lecture)
    index = slides.find(refs, lecture.current_module, lecture.current_position)
    ref = refs[index] if index is not None else None
    return LiveState(
        lecture=lecture.id,
        status=lecture.status,
        module=lecture.current_module,
        position=lecture.current_position,
        slide=ref.deck_number if ref else None,
        area=ref.area if ref else None,
        kind=ref.kind if ref else None,
        index=index,
        count=len(refs),
        version=lecture.state_version or 0,
        poll=_poll_state(poll) if poll else None,
    )


# The state each process last computed per lecture: (database, lecture) -> (when, state).
_SHARED: dict[tuple[str, int], tuple[float, LiveState]] = {}
SHARED_SECONDS = 2.0


def shared_state(session: Session, lecture: Lecture) -> LiveState:
    """The lecture's state as ``state`` gives it, computed once per version and at most every
    ``SHARED_SECONDS`` in this process: a thousand phones joining at once ask for the same
    state, and building it (the slide sequence) costs more than checking who asks."""
    key = (session.get_bind().url.render_as_string(hide_password=True), lecture.id)
    found = _SHARED.get(key)
    now = time.monotonic()
    if (
        found is not None
        and found[1].poll is None  # an open poll's state may count down: always fresh
        and now - found[0] < SHARED_SECONDS
        and (found[1].version, found[1].status, found[1].module, found[1].position)
        == (
            lecture.state_version or 0,
            lecture.status,
            lecture.current_module,
            lecture.current_position,
        )
    ):
        return found[1]
    current = state(session, lecture)
    if len(_SHARED) > 10_000:
        _SHARED.clear()
    _SHARED[key] = (now, current)
    return current


def publish(
    session: Session,
    broadcaster: Broadcaster,
    lecture: Lecture,
    refs: list[SlideRef] | None = None,
    *,
    answers: bool = False,
) -> LiveState:
    """Send the lecture's state to every open page when the transaction commits."""
    lecture.state_version = (lecture.state_version or 0) + 1
    current = state(session, lecture, refs)
    current.answers = answers
    broadcaster.publish(session, topic(lecture.id), current.model_dump(mode="json"))
    return current


def _live(lecture: Lecture, *allowed: str) -> None:
    if lecture.status not in allowed:
        if lecture.status == "ended":
            raise LectureEnded()
        raise LectureStateError(status=lecture.status)


def _teach_published_revision(session: Session, principal: Principal, lecture: Lecture) -> None:
    """A lecture teaches the revision published when it starts, not when it was scheduled.

    Planned modules the new revision no longer has are dropped; a lecture planned to teach
    every module teaches every module of the new revision.
    """
    newer = scheduling.newer_revision(session, lecture)
    if newer is None:
        return
    old = [m.code for m in session.get_one(Revision, lecture.revision_id).modules]
    planned = scheduling.planned_modules(session, lecture)
    codes = [m.code for m in newer.modules]
    keep = codes if planned == old else [code for code in planned if code in codes]
    lecture.revision_id = newer.id
    scheduling.replan_modules(session, lecture, keep or codes)
    session.flush()


def start(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture: Lecture
) -> LiveState:
    _live(lecture, "scheduled")
    _teach_published_revision(session, principal, lecture)
    refs = slides.sequence(session, lecture)
    if not refs:
        raise InvalidLecture(reason=N_("the planned modules have no slides."))
    lecture.status, lecture.started_at = "live", utcnow()
    lecture.current_module, lecture.current_position = refs[0].module, refs[0].position
    timeline.record(session, lecture, "start", principal, refs[0])
    return publish(session, broadcaster, lecture, refs)


def go_to(
    session: Session,
    broadcaster: Broadcaster,
    principal: Principal,
    lecture: Lecture,
    *,
    module: str | None = None,
    position: int | None = None,
    step: int = 0,
) -> LiveState:
    """Show another slide: a given one, or ``step`` slides forward or back."""
    _live(lecture, "live", "paused")
    refs = slides.sequence(session, lecture)
    if module is not None:
        index = slides.find(refs, module, position)
        if index is None:
            raise NoSuchSlide(module=module, position=position)
    else:
        current = slides.find(refs, lecture.current_module, lecture.current_position) or 0
        index = max(0, min(len(refs) - 1, current + step))
    ref = refs[index]
    if (ref.module, ref.position) != (lecture.current_module, lecture.current_position):
        _close_poll(session, lecture)
        lecture.current_module, lecture.current_position = ref.module, ref.position
        timeline.record(session, lecture, "slide", principal, ref)
    return publish(session, broadcaster, lecture, refs)


def pause(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture: Lecture
) -> LiveState:
    _live(lecture, "live")
    lecture.status = "paused"
    timeline.record(session, lecture, "pause", principal)
    return publish(session, broadcaster, lecture)


def resume(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture: Lecture
) -> LiveState:
    _live(lecture, "paused")
    lecture.status = "live"
    refs = slides.sequence(session, lecture)
    index = slides.find(refs, lecture.current_module, lecture.current_position)
    ref = refs[index] if index is not None else None
    timeline.record(session, lecture, "resume", principal, ref)
    return publish(session, broadcaster, lecture, refs)


def end(
    session: Session,
    broadcaster: Broadcaster,
    principal: Principal,
    lecture: Lecture,
    rules: PresenceRules,
) -> LiveState:
    _live(lecture, "live", "paused")
    pings.flush_pending(session)  # the pings this process heard before the end count
    _close_poll(session, lecture)
    lecture.status, lecture.ended_at = "ended", utcnow()
    timeline.record(session, lecture, "end", principal)
    presence.close_at_end(session, lecture, rules)
    pings.lecture_ended(session, lecture.id)
    return publish(session, broadcaster, lecture)


def _close_poll(session: Session, lecture: Lecture) -> None:
    now = utcnow()
    for poll in session.scalars(
        select(Poll).where(Poll.lecture_id == lecture.id, Poll.closed_at.is_(None))
    ):
        poll.closed_at = min(now, poll.closes_at) if poll.closes_at else now


def open_poll(
    session: Session, broadcaster: Broadcaster, lecture: Lecture, *, seconds: int | None = None
) -> LiveState:
    """Open the quiz slide on screen as a poll trainees answer on their phones.

    With ``seconds``, the poll counts down and closes itself then, by the server's clock.
    """
    _live(lecture, "live")
    quiz = courses.quiz_at(
        session,
        lecture.revision_id,
        lecture.current_module or "",
        lecture.current_position or 0,
        slides.master_language(session, lecture),
    )
    if quiz is None:
        raise NotAQuiz()
    _close_poll(session, lecture)
    opened = utcnow()
    session.add(
        Poll(
            lecture_id=lecture.id,
            module_code=lecture.current_module or "",
            position=lecture.current_position or 0,
            answer=quiz["answer"],
            choices=len(quiz["choices"]),
            opened_at=opened,
            closes_at=opened + timedelta(seconds=seconds) if seconds else None,
        )
    )
    session.flush()
    return publish(session, broadcaster, lecture)


def close_poll(session: Session, broadcaster: Broadcaster, lecture: Lecture) -> LiveState:
    _close_poll(session, lecture)
    return publish(session, broadcaster, lecture)


def close_due_polls(session: Session, broadcaster: Broadcaster) -> int:
    """Close every poll whose countdown is over and tell its lecture's pages; return how many.

    The close is a conditional UPDATE, so of several processes running this at once only one
    closes (and announces) each poll.
    """
    due = session.execute(
        select(Poll.id, Poll.lecture_id, Poll.closes_at).where(
            Poll.closed_at.is_(None), Poll.closes_at <= utcnow()
        )
    ).all()
    closed = 0
    for poll_id, lecture_id, closes_at in due:
        won = session.execute(
            update(Poll)
            .where(Poll.id == poll_id, Poll.closed_at.is_(None))
            .values(closed_at=closes_at)
        )
        lecture = session.get(Lecture, lecture_id)
        if won.rowcount == 1 and lecture is not None:  # type: ignore[attr-defined]
            publish(session, broadcaster, lecture)
            closed += 1
    return closed


def latest_poll(session: Session, lecture: Lecture) -> Poll | None:
    return session.scalar(
        select(Poll).where(Poll.lecture_id == lecture.id).order_by(Poll.id.desc()).limit(1)
    )


def poll_results(session: Session, lecture: Lecture) -> PollResults:
    """The latest poll's answer counts per choice, for the presenter's live chart."""
    poll = latest_poll(session, lecture)
    if poll is None:
        return PollResults(poll=None)
    counts = Counter(
        session.scalars(select(QuizAnswer.choice).where(QuizAnswer.poll_id == poll.id))
    )
    labels = [chr(ord("A") + i) for i in range(poll.choices)]
    return PollResults(
        poll=poll.id,
        open=is_open(poll),
        answer=poll.answer,
        counts={label: counts.get(label, 0) for label in labels},
        answered=sum(counts.values()),
    )


@dataclass(frozen=True)
class PresenterView:
    """The presenter's screen: a slide, the one after it, the state and seconds per area."""

    lecture: Lecture
    state: LiveState
    current: ShownSlide | None
    next: ShownSlide | None
    index: int | None
    count: int
    area_seconds: dict[str, float]


def presenter_view(
    session: Session,
    lecture: Lecture,
    *,
    module: str | None = None,
    position: int | None = None,
    language: str | None = None,
) -> PresenterView:
    """The slide on screen unless another is asked for (before the start, the first)."""
    language = language or slides.master_language(session, lecture)
    refs = slides.sequence(session, lecture)
    index = slides.index_of(refs, lecture, module, position)
    if index is None and refs:
        index = 0
    current = following = None
    if index is not None:
        ref = refs[index]
        current = slides.slide_in(session, lecture, ref.module, ref.position, [language])
        if index + 1 < len(refs):
            after = refs[index + 1]
            following = slides.slide_in(session, lecture, after.module, after.position, [language])
    return PresenterView(
        lecture=lecture,
        state=state(session, lecture, refs),
        current=current,
        next=following,
        index=index,
        count=len(refs),
        area_seconds=timeline.area_seconds(session, lecture),
    )
