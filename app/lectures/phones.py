"""The trainee's phone: the slide on screen in their language, joining, and poll answers.

Every function here receives a lecture the calling trainee follows (``FollowedLecture``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.cohorts import languages as cohort_languages
from app.cohorts.models import Trainee
from app.courses import access as course_access
from app.db import utcnow
from app.i18n import N_
from app.lectures import live, slides
from app.lectures.access import Followed
from app.lectures.broadcast import Broadcaster
from app.lectures.errors import AlreadyAnswered, LectureNotFound, PollClosed
from app.lectures.models import Lecture, Poll, QuizAnswer
from app.lectures.schemas import AnswerRead, LiveState, ShownSlide


@dataclass(frozen=True)
class OpenPoll:
    id: int
    choices: int
    answered: str | None  # the trainee's choice, once given
    remaining: float | None = None  # seconds left on its countdown, by the server's clock


@dataclass(frozen=True)
class PollOutcome:
    """A closed poll on the slide on screen: the key, the trainee's choice, the explanation."""

    id: int
    answer: str
    chosen: str | None
    explanation: str  # in the language the slide is shown in

    @property
    def correct(self) -> bool | None:
        return None if self.chosen is None else self.chosen == self.answer


@dataclass(frozen=True)
class TraineeView:
    lecture: Lecture
    trainee: Trainee
    state: LiveState
    slide: ShownSlide | None
    poll: OpenPoll | None
    outcome: PollOutcome | None = None  # once the poll on this slide has closed


def trainee_view(
    session: Session,
    followed: Followed,
    *,
    module: str | None = None,
    position: int | None = None,
) -> TraineeView:
    """The slide on screen (or the one asked for) in the trainee's language, and the poll open
    on that slide with the trainee's answer to it, if any."""
    lecture, trainee = followed.lecture, followed.trainee
    refs = slides.sequence(session, lecture)
    index = slides.index_of(refs, lecture, module, position)
    ref = refs[index] if index is not None else None
    slide = (
        slides.slide_in(session, lecture, ref.module, ref.position, _chain(session, followed))
        if ref is not None
        else None
    )
    if slide is not None:  # a trainee's phone gets neither notes nor the answer key
        slide = slide.model_copy(update={"slide": course_access.trainee_slide(slide.slide)})
    poll = live.open_poll_of(session, lecture.id)
    if poll is not None and (
        ref is None or (poll.module_code, poll.position) != (ref.module, ref.position)
    ):
        poll = None
    return TraineeView(
        lecture=lecture,
        trainee=trainee,
        state=live.state(session, lecture, refs),
        slide=slide,
        poll=OpenPoll(
            id=poll.id,
            choices=poll.choices,
            answered=my_answer(session, poll.id, trainee.id),
            remaining=live.seconds_left(poll),
        )
        if poll is not None
        else None,
        outcome=_outcome(session, lecture, trainee, slide) if poll is None else None,
    )


def _chain(session: Session, followed: Followed) -> list[str]:
    """The trainee's language chain (km → en → ja) for the lecture's course."""
    master = slides.master_language(session, followed.lecture)
    return cohort_languages.trainee_chain(session, followed.trainee, master)


def _outcome(
    session: Session, lecture: Lecture, trainee: Trainee, slide: ShownSlide | None
) -> PollOutcome | None:
    """The latest closed poll on this slide, as the trainee sees it once answers are locked."""
    if slide is None or slide.slide.kind != "quiz":
        return None
    closed = session.scalar(
        select(Poll)
        .where(
            Poll.lecture_id == lecture.id,
            Poll.module_code == slide.module,
            Poll.position == slide.position,
            or_(Poll.closed_at.is_not(None), Poll.closes_at <= utcnow()),
        )
        .order_by(Poll.id.desc())
        .limit(1)
    )
    if closed is None:
        return None
    quiz = slide.slide.quiz or {}
    return PollOutcome(
        id=closed.id,
        answer=closed.answer,
        chosen=my_answer(session, closed.id, trainee.id),
        explanation=str(quiz.get("explanation") or ""),
    )


def lecture_id_by_join_code(session: Session, join_code: str) -> int:
    """The id of the lecture a join code (the QR code on the projector) stands for."""
    lecture_id = session.scalar(select(Lecture.id).where(Lecture.join_code == join_code))
    if lecture_id is None:
        raise LectureNotFound()
    return lecture_id


def answer(
    session: Session, broadcaster: Broadcaster, followed: Followed, *, poll_id: int, choice: str
) -> AnswerRead:
    """Store a trainee's answer to the open poll, once."""
    lecture, trainee = followed.lecture, followed.trainee
    poll = session.get(Poll, poll_id)
    if poll is None or poll.lecture_id != lecture.id or not live.is_open(poll):
        raise PollClosed()  # closed, or its countdown is over by the server's clock
    choice = choice.strip().upper()[:1]
    if not choice or ord(choice) - ord("A") not in range(poll.choices):
        raise PollClosed(N_("That is not one of the choices."))
    if session.scalar(
        select(QuizAnswer.id).where(
            QuizAnswer.poll_id == poll.id, QuizAnswer.trainee_id == trainee.id
        )
    ):
        raise AlreadyAnswered()
    session.add(
        QuizAnswer(
            poll_id=poll.id,
            trainee_id=trainee.id,
            revision_id=lecture.revision_id,
            module_code=poll.module_code,
            position=poll.position,
            choice=choice,
            correct=choice == poll.answer,
            language=slides.slide_in(
                session, lecture, poll.module_code, poll.position, _chain(session, followed)
            ).language,
        )
    )
    session.flush()
    live.publish(session, broadcaster, lecture, answers=True)
    return AnswerRead(poll=poll.id, choice=choice)


def my_answer(session: Session, poll_id: int, trainee_id: int) -> str | None:
    return session.scalar(
        select(QuizAnswer.choice).where(
            QuizAnswer.poll_id == poll_id, QuizAnswer.trainee_id == trainee_id
        )
    )
