"""Presenting a lecture: its live state, slide moves, pause and end, and live quiz polls.

Every function here receives a lecture the caller may present (``PresentedLecture``) and
publishes the new state to every open page inside the transaction, so nobody sees a change
that is then rolled back.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.courses import service as courses
from app.courses.definitions import PresenceRules
from app.db import utcnow
from app.i18n import N_
from app.lectures import pings, presence, slides, timeline
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


def open_poll_of(session: Session, lecture_id: int) -> Poll | None:
    return session.scalar(
        select(Poll).where(Poll.lecture_id == lecture_id, Poll.closed_at.is_(None))
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
        poll=PollState(
            id=poll.id, module=poll.module_code, position=poll.position, choices=poll.choices
        )
        if poll
        else None,
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


def start(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture: Lecture
) -> LiveState:
    _live(lecture, "scheduled")
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
    poll = open_poll_of(session, lecture.id)
    if poll is not None:
        poll.closed_at = utcnow()


def open_poll(session: Session, broadcaster: Broadcaster, lecture: Lecture) -> LiveState:
    """Open the quiz slide on screen as a poll trainees answer on their phones."""
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
    session.add(
        Poll(
            lecture_id=lecture.id,
            module_code=lecture.current_module or "",
            position=lecture.current_position or 0,
            answer=quiz["answer"],
            choices=len(quiz["choices"]),
        )
    )
    session.flush()
    return publish(session, broadcaster, lecture)


def close_poll(session: Session, broadcaster: Broadcaster, lecture: Lecture) -> LiveState:
    _close_poll(session, lecture)
    return publish(session, broadcaster, lecture)


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
        open=poll.closed_at is None,
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
        current = slides.slide_in(session, lecture, ref.module, ref.position, language)
        if index + 1 < len(refs):
            after = refs[index + 1]
            following = slides.slide_in(session, lecture, after.module, after.position, language)
    return PresenterView(
        lecture=lecture,
        state=state(session, lecture, refs),
        current=current,
        next=following,
        index=index,
        count=len(refs),
        area_seconds=timeline.area_seconds(session, lecture),
    )
