"""Scheduling and running live lectures; presence, roster, attendance, polls, self-study.

Who may see a lecture: admins; its lecturer; staff of a cooperative with a cohort in it;
trainees of those cohorts. Anyone else gets 404. Only the lecturer (or an admin) presents.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.errors import Forbidden
from app.accounts.models import User
from app.accounts.tenancy import Principal, get_owned
from app.audit import service as audit
from app.cohorts.errors import CohortNotFound, TraineeNotFound
from app.cohorts.models import Cohort, Trainee
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.courses.errors import ModuleNotFound
from app.courses.models import Course, Module, Revision, RevisionLanguage, Slide
from app.db import utcnow
from app.i18n import N_
from app.lectures import credit
from app.lectures.broadcast import Broadcaster
from app.lectures.errors import (
    AlreadyAnswered,
    InvalidLecture,
    LectureEnded,
    LectureNotFound,
    LectureStateError,
    NoSuchSlide,
    NotAQuiz,
    NotYourLecture,
    PollClosed,
    ReasonRequired,
    UnknownModules,
)
from app.lectures.models import (
    AttendanceRecord,
    Interpreter,
    Lecture,
    LectureCohort,
    LectureEvent,
    LectureModule,
    Poll,
    PresenceInterval,
    QuizAnswer,
    RosterEntry,
    StudySession,
)

ROSTER_STATUSES = ("present", "late", "left-early", "absent")


def topic(lecture_id: int) -> str:
    return f"lecture:{lecture_id}"


# --- scheduling ------------------------------------------------------------------------


def schedule(
    session: Session,
    principal: Principal,
    definition: CourseDefinition,
    *,
    lecturer_id: int,
    cohort_ids: list[int],
    scheduled_start: datetime,
    scheduled_end: datetime,
    modules: list[str] | None = None,
    interpreters: list[tuple[str, str]] | None = None,
    venue: str = "",
    online_url: str = "",
    delivery: str = "classroom",
    title: str = "",
) -> Lecture:
    """Schedule a lecture of the course's published revision for cohorts the caller may see."""
    principal.require("admin", "staff")
    if scheduled_end <= scheduled_start:
        raise InvalidLecture(reason=N_("it ends before it starts."))
    if delivery not in definition.delivery_modes_counted and delivery != "classroom":
        raise InvalidLecture(reason=N_("this delivery mode does not count for the course."))
    if not cohort_ids:
        raise InvalidLecture(reason=N_("choose at least one cohort."))
    cohorts = [get_owned(session, principal, Cohort, cid, CohortNotFound) for cid in cohort_ids]
    lecturer = session.get(User, lecturer_id)
    if lecturer is None or lecturer.role != "lecturer" or not lecturer.active:
        raise InvalidLecture(reason=N_("the lecturer is not a registered lecturer."))
    course = courses.ensure_course(session, definition)
    revision = courses.published_revision(session, course)
    if revision is None:
        raise InvalidLecture(reason=N_("the course has no published revision yet."))
    codes = [module.code for module in revision.modules]
    planned = modules or codes
    unknown = [code for code in planned if code not in codes]
    if unknown:
        raise UnknownModules(course=definition.code, module=", ".join(unknown))
    lecture = Lecture(
        course_id=course.id,
        revision_id=revision.id,
        lecturer_id=lecturer.id,
        title=title or definition.title("ja"),
        scheduled_start=scheduled_start,
        scheduled_end=scheduled_end,
        delivery=delivery,
        venue=venue,
        online_url=online_url,
        join_code=secrets.token_urlsafe(9),
    )
    session.add(lecture)
    session.flush()
    session.add_all(
        LectureCohort(lecture_id=lecture.id, cohort_id=c.id, cooperative_id=c.cooperative_id)
        for c in cohorts
    )
    session.add_all(
        LectureModule(lecture_id=lecture.id, module_code=code, position=index)
        for index, code in enumerate(planned, start=1)
    )
    session.add_all(
        Interpreter(lecture_id=lecture.id, name=name, language=language)
        for name, language in interpreters or []
    )
    session.flush()
    for cohort in cohorts:
        audit.record(
            session,
            principal,
            action="create",
            entity="lecture",
            entity_id=lecture.id,
            cooperative_id=cohort.cooperative_id,
            summary=f"{scheduled_start:%Y-%m-%d %H:%M} {cohort.name}",
        )
    return lecture


def _cohort_ids(session: Session, lecture_id: int) -> list[tuple[int, int]]:
    rows = session.execute(
        select(LectureCohort.cohort_id, LectureCohort.cooperative_id).where(
            LectureCohort.lecture_id == lecture_id
        )
    ).all()
    return [(cohort_id, cooperative_id) for cohort_id, cooperative_id in rows]


def trainee_of(session: Session, principal: Principal) -> Trainee:
    trainee = session.scalar(select(Trainee).where(Trainee.user_id == principal.user_id))
    if trainee is None:
        raise Forbidden()
    return trainee


def can_see(session: Session, principal: Principal, lecture: Lecture) -> bool:
    if principal.is_admin or (
        principal.role == "lecturer" and lecture.lecturer_id == principal.user_id
    ):
        return True
    pairs = _cohort_ids(session, lecture.id)
    if principal.role == "staff":
        return any(coop == principal.cooperative_id for _cohort, coop in pairs)
    if principal.role == "trainee":
        trainee = trainee_of(session, principal)
        return any(cohort == trainee.cohort_id for cohort, _coop in pairs)
    return False


def get_lecture(session: Session, principal: Principal, lecture_id: int) -> Lecture:
    lecture = session.get(Lecture, lecture_id)
    if lecture is None or not can_see(session, principal, lecture):
        raise LectureNotFound()
    return lecture


def list_lectures(session: Session, principal: Principal) -> list[Lecture]:
    query = select(Lecture).order_by(Lecture.scheduled_start.desc())
    if principal.role == "lecturer":
        query = query.where(Lecture.lecturer_id == principal.user_id)
    elif principal.role == "staff":
        query = query.where(
            Lecture.id.in_(
                select(LectureCohort.lecture_id).where(
                    LectureCohort.cooperative_id == principal.cooperative_id
                )
            )
        )
    elif principal.role == "trainee":
        trainee = trainee_of(session, principal)
        query = query.where(
            Lecture.id.in_(
                select(LectureCohort.lecture_id).where(LectureCohort.cohort_id == trainee.cohort_id)
            )
        )
    elif not principal.is_admin:
        return []
    return list(session.scalars(query.limit(500)))


def lecture_details(session: Session, principal: Principal, lecture: Lecture) -> dict[str, Any]:
    """What the schedule pages and the API show of a lecture (cohorts limited to the caller's)."""
    cohorts = session.scalars(
        select(Cohort).where(
            Cohort.id.in_(
                [
                    cid
                    for cid, coop in _cohort_ids(session, lecture.id)
                    if principal.is_admin
                    or principal.role == "lecturer"
                    or coop == principal.cooperative_id
                ]
            )
        )
    )
    lecturer = session.get(User, lecture.lecturer_id)
    revision = session.get(Revision, lecture.revision_id)
    return {
        "id": lecture.id,
        "title": lecture.title,
        "status": lecture.status,
        "scheduled_start": lecture.scheduled_start,
        "scheduled_end": lecture.scheduled_end,
        "delivery": lecture.delivery,
        "venue": lecture.venue,
        "online_url": lecture.online_url,
        "lecturer": {"id": lecturer.id, "name": lecturer.display_name} if lecturer else None,
        "revision": revision.number if revision else None,
        "cohorts": [
            {"id": c.id, "name": c.name, "cooperative_id": c.cooperative_id} for c in cohorts
        ],
        "modules": [
            m.module_code
            for m in session.scalars(
                select(LectureModule)
                .where(LectureModule.lecture_id == lecture.id)
                .order_by(LectureModule.position)
            )
        ],
        "interpreters": [
            {"name": i.name, "language": i.language}
            for i in session.scalars(
                select(Interpreter).where(Interpreter.lecture_id == lecture.id)
            )
        ],
        "join_code": lecture.join_code
        if principal.role in ("admin", "lecturer", "staff")
        else None,
        "started_at": lecture.started_at,
        "ended_at": lecture.ended_at,
        "confirmed_at": lecture.confirmed_at,
    }


def list_lecturers(session: Session, principal: Principal) -> list[User]:
    """Active lecturers by name: whom staff may schedule a lecture with."""
    principal.require("admin", "staff")
    return list(
        session.scalars(
            select(User)
            .where(User.role == "lecturer", User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def definition_of(
    session: Session, definitions: dict[str, CourseDefinition], lecture: Lecture
) -> CourseDefinition:
    """The course definition (areas, minimums, languages) a lecture is taught under."""
    course = session.get(Course, lecture.course_id)
    return courses.get_definition(definitions, course.code if course else "")


# --- the slide sequence ----------------------------------------------------------------


@dataclass(frozen=True)
class SlideRef:
    module: str
    position: int
    area: str | None
    kind: str
    deck_number: int


def sequence(session: Session, lecture: Lecture) -> list[SlideRef]:
    """The master slides the presenter steps through: planned modules in order, no hidden slides."""
    planned = [
        m.module_code
        for m in session.scalars(
            select(LectureModule)
            .where(LectureModule.lecture_id == lecture.id)
            .order_by(LectureModule.position)
        )
    ]
    modules = {
        m.code: m
        for m in session.scalars(select(Module).where(Module.revision_id == lecture.revision_id))
    }
    course = session.get(Course, lecture.course_id)
    master = course.master_language if course else "ja"
    rows = session.execute(
        select(Module.code, Slide.position, Slide.kind, Slide.deck_number, Slide.hidden)
        .join(Module, Slide.module_id == Module.id)
        .where(Module.revision_id == lecture.revision_id, Slide.language == master)
        .order_by(Slide.position)
    ).all()
    by_module: dict[str, list[Any]] = defaultdict(list)
    for code, position, kind, number, hidden in rows:
        if not hidden:
            by_module[code].append((position, kind, number))
    return [
        SlideRef(code, position, modules[code].area_code, kind, number)
        for code in planned
        if code in modules
        for position, kind, number in by_module[code]
    ]


def _find(refs: list[SlideRef], module: str | None, position: int | None) -> int | None:
    return next(
        (i for i, r in enumerate(refs) if r.module == module and r.position == position), None
    )


# --- what the presenter's and the trainees' screens show ----------------------------------


def slide_in(
    session: Session, lecture: Lecture, module: str, position: int, language: str
) -> dict[str, Any]:
    """The lecture's slide at (module, position) as shown in a language.

    The translation is shown only while it is current. A missing, stale or untranslated one
    falls back to the master slide (``fallback`` is then true): a trainee must not take an
    outdated translation of the law for the current one. NoSuchSlide when the master lacks it.
    """
    course = session.get(Course, lecture.course_id)
    master = course.master_language if course else "ja"
    module_row = session.scalar(
        select(Module).where(Module.revision_id == lecture.revision_id, Module.code == module)
    )
    by_language = (
        {
            slide.language: slide
            for slide in session.scalars(
                select(Slide).where(Slide.module_id == module_row.id, Slide.position == position)
            )
        }
        if module_row is not None
        else {}
    )
    master_slide = by_language.get(master)
    if module_row is None or master_slide is None:
        raise NoSuchSlide(module=module, position=position)
    translated = by_language.get(language)
    shown = translated if translated is not None and translated.state == "current" else master_slide
    titles = module_row.titles
    return {
        "module": module,
        "position": position,
        "area": module_row.area_code,
        "title": titles.get(language) or titles.get(master) or module,
        "title_language": language if titles.get(language) else master,
        "language": shown.language,
        "fallback": shown is master_slide and language != master,
        "slide": courses.slide_out(shown),
    }


def area_seconds(session: Session, lecture: Lecture) -> dict[str, float]:
    """Seconds each statutory area has been on screen while the lecture ran, up to now."""
    totals: dict[str, float] = defaultdict(float)
    for segment in _segments(session, lecture):
        if segment.area:
            totals[segment.area] += (segment.end - segment.start).total_seconds()
    return dict(totals)


def _index_of(
    refs: list[SlideRef], lecture: Lecture, module: str | None, position: int | None
) -> int | None:
    """The asked-for slide (NoSuchSlide if not in the lecture), else the one on screen."""
    if module is not None:
        index = _find(refs, module, position)
        if index is None:
            raise NoSuchSlide(module=module, position=position)
        return index
    return _find(refs, lecture.current_module, lecture.current_position)


def presenter_view(
    session: Session,
    principal: Principal,
    lecture_id: int,
    *,
    module: str | None = None,
    position: int | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The presenter's screen: a slide (the one on screen unless asked; before the start, the
    first), the slide after it, the live state and the running seconds per area."""
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    course = session.get(Course, lecture.course_id)
    language = language or (course.master_language if course else "ja")
    refs = sequence(session, lecture)
    index = _index_of(refs, lecture, module, position)
    if index is None and refs:
        index = 0
    current = following = None
    if index is not None:
        ref = refs[index]
        current = slide_in(session, lecture, ref.module, ref.position, language)
        if index + 1 < len(refs):
            after = refs[index + 1]
            following = slide_in(session, lecture, after.module, after.position, language)
    return {
        "lecture": lecture,
        "state": state(session, lecture, refs),
        "current": current,
        "next": following,
        "index": index,
        "count": len(refs),
        "area_seconds": area_seconds(session, lecture),
    }


# --- presenting ------------------------------------------------------------------------


def _require_presenter(principal: Principal, lecture: Lecture) -> None:
    if not (
        principal.is_admin
        or (principal.role == "lecturer" and lecture.lecturer_id == principal.user_id)
    ):
        raise Forbidden(N_("Only the lecturer of this lecture can present it."))


def _record(
    session: Session, lecture: Lecture, kind: str, principal: Principal, ref: SlideRef | None = None
) -> LectureEvent:
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


def open_poll_of(session: Session, lecture_id: int) -> Poll | None:
    return session.scalar(
        select(Poll).where(Poll.lecture_id == lecture_id, Poll.closed_at.is_(None))
    )


def state(session: Session, lecture: Lecture, refs: list[SlideRef] | None = None) -> dict[str, Any]:
    """The lecture's live state as every page receives it (small: it travels by NOTIFY).

    ``refs`` is the lecture's slide sequence when the caller has already built it.
    """
    poll = open_poll_of(session, lecture.id)
    if refs is None:
        refs = sequence(session, lecture)
    index = _find(refs, lecture.current_module, lecture.current_position)
    ref = refs[index] if index is not None else None
    return {
        "lecture": lecture.id,
        "status": lecture.status,
        "module": lecture.current_module,
        "position": lecture.current_position,
        "slide": ref.deck_number if ref else None,
        "area": ref.area if ref else None,
        "kind": ref.kind if ref else None,
        "index": index,
        "count": len(refs),
        "poll": {
            "id": poll.id,
            "module": poll.module_code,
            "position": poll.position,
            "choices": poll.choices,
        }
        if poll
        else None,
    }


def _publish(
    session: Session,
    broadcaster: Broadcaster,
    lecture: Lecture,
    refs: list[SlideRef] | None = None,
) -> dict[str, Any]:
    current = state(session, lecture, refs)
    broadcaster.publish(session, topic(lecture.id), current)
    return current


def _live(lecture: Lecture, *allowed: str) -> None:
    if lecture.status not in allowed:
        if lecture.status == "ended":
            raise LectureEnded()
        raise LectureStateError(status=lecture.status)


def start(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture_id: int
) -> dict[str, Any]:
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _live(lecture, "scheduled")
    refs = sequence(session, lecture)
    if not refs:
        raise InvalidLecture(reason=N_("the planned modules have no slides."))
    lecture.status, lecture.started_at = "live", utcnow()
    lecture.current_module, lecture.current_position = refs[0].module, refs[0].position
    _record(session, lecture, "start", principal, refs[0])
    return _publish(session, broadcaster, lecture, refs)


def go_to(
    session: Session,
    broadcaster: Broadcaster,
    principal: Principal,
    lecture_id: int,
    *,
    module: str | None = None,
    position: int | None = None,
    step: int = 0,
) -> dict[str, Any]:
    """Show another slide: a given one, or ``step`` slides forward or back."""
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _live(lecture, "live", "paused")
    refs = sequence(session, lecture)
    if module is not None:
        index = _find(refs, module, position)
        if index is None:
            raise NoSuchSlide(module=module, position=position)
    else:
        current = _find(refs, lecture.current_module, lecture.current_position) or 0
        index = max(0, min(len(refs) - 1, current + step))
    ref = refs[index]
    if (ref.module, ref.position) != (lecture.current_module, lecture.current_position):
        _close_poll(session, lecture)
        lecture.current_module, lecture.current_position = ref.module, ref.position
        _record(session, lecture, "slide", principal, ref)
    return _publish(session, broadcaster, lecture, refs)


def pause(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture_id: int
) -> dict[str, Any]:
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _live(lecture, "live")
    lecture.status = "paused"
    _record(session, lecture, "pause", principal)
    return _publish(session, broadcaster, lecture)


def resume(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture_id: int
) -> dict[str, Any]:
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _live(lecture, "paused")
    lecture.status = "live"
    refs = sequence(session, lecture)
    index = _find(refs, lecture.current_module, lecture.current_position)
    _record(session, lecture, "resume", principal, refs[index] if index is not None else None)
    return _publish(session, broadcaster, lecture, refs)


def end(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture_id: int
) -> dict[str, Any]:
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _live(lecture, "live", "paused")
    _close_poll(session, lecture)
    lecture.status, lecture.ended_at = "ended", utcnow()
    _record(session, lecture, "end", principal)
    session.execute(
        update(PresenceInterval)
        .where(PresenceInterval.lecture_id == lecture.id)
        .values(closed=True)
    )
    return _publish(session, broadcaster, lecture)


def _close_poll(session: Session, lecture: Lecture) -> None:
    poll = open_poll_of(session, lecture.id)
    if poll is not None:
        poll.closed_at = utcnow()


def open_poll(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture_id: int
) -> dict[str, Any]:
    """Open the quiz slide on screen as a poll trainees answer on their phones."""
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _live(lecture, "live")
    course = session.get(Course, lecture.course_id)
    quiz = _quiz(
        session,
        lecture.revision_id,
        lecture.current_module or "",
        lecture.current_position or 0,
        course.master_language if course else "ja",
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
    return _publish(session, broadcaster, lecture)


def close_poll(
    session: Session, broadcaster: Broadcaster, principal: Principal, lecture_id: int
) -> dict[str, Any]:
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    _close_poll(session, lecture)
    return _publish(session, broadcaster, lecture)


def _quiz(
    session: Session, revision_id: int, module: str, position: int, language: str
) -> dict[str, Any] | None:
    return session.scalar(
        select(Slide.quiz)
        .join(Module, Slide.module_id == Module.id)
        .where(
            Module.revision_id == revision_id,
            Module.code == module,
            Slide.position == position,
            Slide.language == language,
        )
    )


def poll_results(session: Session, principal: Principal, lecture_id: int) -> dict[str, Any]:
    """The latest poll's answer counts per choice, for the presenter's live chart."""
    lecture = get_lecture(session, principal, lecture_id)
    if principal.role == "trainee":
        raise Forbidden()
    poll = session.scalar(
        select(Poll).where(Poll.lecture_id == lecture.id).order_by(Poll.id.desc())
    )
    if poll is None:
        return {"poll": None, "counts": {}, "answered": 0}
    counts = Counter(
        session.scalars(select(QuizAnswer.choice).where(QuizAnswer.poll_id == poll.id))
    )
    labels = [chr(ord("A") + i) for i in range(poll.choices)]
    return {
        "poll": poll.id,
        "open": poll.closed_at is None,
        "answer": poll.answer,
        "counts": {label: counts.get(label, 0) for label in labels},
        "answered": sum(counts.values()),
    }


# --- trainees --------------------------------------------------------------------------


def _lecture_for_trainee(
    session: Session, principal: Principal, lecture_id: int
) -> tuple[Lecture, Trainee]:
    principal.require("trainee")
    trainee = trainee_of(session, principal)
    lecture = session.get(Lecture, lecture_id)
    if lecture is None or trainee.cohort_id not in {c for c, _ in _cohort_ids(session, lecture_id)}:
        raise NotYourLecture()
    return lecture, trainee


def lecture_for_trainee(
    session: Session, principal: Principal, lecture_id: int
) -> tuple[Lecture, Trainee]:
    """The lecture and the calling trainee; NotYourLecture unless the trainee's cohort is in it."""
    return _lecture_for_trainee(session, principal, lecture_id)


def trainee_view(
    session: Session,
    principal: Principal,
    lecture_id: int,
    *,
    module: str | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    """A trainee's phone: the slide on screen (or the one asked for) in the trainee's language,
    and the poll open on that slide with the trainee's answer to it, if any."""
    lecture, trainee = _lecture_for_trainee(session, principal, lecture_id)
    refs = sequence(session, lecture)
    index = _index_of(refs, lecture, module, position)
    ref = refs[index] if index is not None else None
    slide = (
        slide_in(session, lecture, ref.module, ref.position, trainee.preferred_language)
        if ref is not None
        else None
    )
    poll = open_poll_of(session, lecture.id)
    if poll is not None and (
        ref is None or (poll.module_code, poll.position) != (ref.module, ref.position)
    ):
        poll = None
    return {
        "lecture": lecture,
        "trainee": trainee,
        "state": state(session, lecture, refs),
        "slide": slide,
        "poll": {
            "id": poll.id,
            "choices": poll.choices,
            "answered": my_answer(session, poll.id, trainee.id),
        }
        if poll is not None
        else None,
    }


def lecture_by_join_code(session: Session, principal: Principal, join_code: str) -> Lecture:
    lecture = session.scalar(select(Lecture).where(Lecture.join_code == join_code))
    if lecture is None:
        raise LectureNotFound()
    return _lecture_for_trainee(session, principal, lecture.id)[0]


def ping(
    session: Session,
    principal: Principal,
    lecture_id: int,
    *,
    gap_limit: timedelta,
    leaving: bool = False,
) -> dict[str, Any]:
    """Record that the trainee's page is open and visible now (the server's now).

    Extends the open presence interval when the last ping is recent enough, else starts a
    new one. ``leaving`` closes it (the trainee left the page). Nothing the phone says about
    time is used.
    """
    lecture, trainee = _lecture_for_trainee(session, principal, lecture_id)
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
    return {"lecture": lecture.id, "status": lecture.status, "at": now.isoformat()}


def answer(
    session: Session,
    broadcaster: Broadcaster,
    principal: Principal,
    lecture_id: int,
    *,
    poll_id: int,
    choice: str,
) -> dict[str, Any]:
    """Store a trainee's answer to the open poll, once."""
    lecture, trainee = _lecture_for_trainee(session, principal, lecture_id)
    poll = session.get(Poll, poll_id)
    if poll is None or poll.lecture_id != lecture.id:
        raise PollClosed()
    if poll.closed_at is not None:
        raise PollClosed()
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
            language=trainee.preferred_language,
        )
    )
    session.flush()
    broadcaster.publish(session, topic(lecture.id), {**state(session, lecture), "answers": True})
    return {"poll": poll.id, "choice": choice}


def my_answer(session: Session, poll_id: int, trainee_id: int) -> str | None:
    return session.scalar(
        select(QuizAnswer.choice).where(
            QuizAnswer.poll_id == poll_id, QuizAnswer.trainee_id == trainee_id
        )
    )


# --- roster, credit and the attendance sheet -------------------------------------------


def _trainees(session: Session, principal: Principal, lecture: Lecture) -> list[Trainee]:
    cohort_ids = [
        cid
        for cid, coop in _cohort_ids(session, lecture.id)
        if principal.is_admin or principal.role == "lecturer" or coop == principal.cooperative_id
    ]
    return list(
        session.scalars(
            select(Trainee)
            .where(Trainee.cohort_id.in_(cohort_ids))
            .order_by(Trainee.cooperative_id, Trainee.trainee_number)
        )
    )


def _may_keep_attendance(principal: Principal, lecture: Lecture) -> None:
    if not (
        principal.is_admin
        or principal.role == "staff"
        or (principal.role == "lecturer" and lecture.lecturer_id == principal.user_id)
    ):
        raise Forbidden()


def set_roster(
    session: Session,
    principal: Principal,
    lecture_id: int,
    trainee_id: int,
    *,
    status: str,
    minutes: int = 0,
    reason: str = "",
) -> RosterEntry:
    """Mark a trainee by hand (no phone in the room); the previous mark is kept, superseded."""
    lecture = get_lecture(session, principal, lecture_id)
    _may_keep_attendance(principal, lecture)
    if status not in ROSTER_STATUSES:
        raise InvalidLecture(reason=N_("unknown attendance status."))
    trainee = next((t for t in _trainees(session, principal, lecture) if t.id == trainee_id), None)
    if trainee is None:
        raise TraineeNotFound()
    if lecture.confirmed_at is not None and not reason.strip():
        raise ReasonRequired()
    now = utcnow()
    session.execute(
        update(RosterEntry)
        .where(
            RosterEntry.lecture_id == lecture.id,
            RosterEntry.trainee_id == trainee.id,
            RosterEntry.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    entry = RosterEntry(
        lecture_id=lecture.id,
        trainee_id=trainee.id,
        status=status,
        minutes=max(0, minutes),
        reason=reason.strip(),
        set_by_id=principal.user_id,
        set_at=now,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        principal,
        action="update",
        entity="roster",
        entity_id=entry.id,
        cooperative_id=trainee.cooperative_id,
        summary=f"lecture {lecture.id} trainee {trainee.trainee_number}: {status}",
        changes={"status": status, "minutes": minutes, "reason": reason},
    )
    if lecture.confirmed_at is not None:
        _rewrite_record(session, principal, lecture, trainee, reason)
    return entry


def _segments(session: Session, lecture: Lecture) -> list[credit.Segment]:
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


def _languages_taught(session: Session, lecture: Lecture) -> set[str]:
    return set(
        session.scalars(
            select(RevisionLanguage.language).where(
                RevisionLanguage.revision_id == lecture.revision_id
            )
        )
    )


def _credit_for(
    session: Session, lecture: Lecture, trainee: Trainee, segments: list[credit.Segment]
) -> tuple[dict[str, int], str, RosterEntry | None]:
    roster = session.scalar(
        select(RosterEntry).where(
            RosterEntry.lecture_id == lecture.id,
            RosterEntry.trainee_id == trainee.id,
            RosterEntry.superseded_at.is_(None),
        )
    )
    if roster is not None and lecture.started_at is not None:
        presence = credit.roster_interval(
            roster.status,
            lecture_start=lecture.started_at,
            lecture_end=lecture.ended_at or utcnow(),
            minutes=roster.minutes,
        )
        source = "roster"
    else:
        presence = [
            (p.started_at, p.last_seen_at)
            for p in session.scalars(
                select(PresenceInterval).where(
                    PresenceInterval.lecture_id == lecture.id,
                    PresenceInterval.trainee_id == trainee.id,
                )
            )
        ]
        source = "device" if presence else "none"
    return credit.to_minutes(credit.credited_seconds(segments, presence)), source, roster


def attendance_sheet(
    session: Session, principal: Principal, lecture_id: int, definition: CourseDefinition
) -> dict[str, Any]:
    """Every trainee of the lecture (the caller's cohorts) with minutes per statutory area."""
    lecture = get_lecture(session, principal, lecture_id)
    _may_keep_attendance(principal, lecture)
    segments = _segments(session, lecture)
    taught = _languages_taught(session, lecture)
    records = {
        r.trainee_id: r
        for r in session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.lecture_id == lecture.id, AttendanceRecord.superseded_at.is_(None)
            )
        )
    }
    rows = []
    for trainee in _trainees(session, principal, lecture):
        computed, source, roster = _credit_for(session, lecture, trainee, segments)
        record = records.get(trainee.id)
        minutes = record.minutes_by_area if record is not None else computed
        rows.append(
            {
                "trainee_id": trainee.id,
                "trainee_number": trainee.trainee_number,
                "name": f"{trainee.family_name} {trainee.given_name}",
                "language": trainee.preferred_language
                if trainee.preferred_language in taught
                else definition.master_language,
                "source": record.source if record is not None else source,
                "roster": {
                    "status": roster.status,
                    "minutes": roster.minutes,
                    "reason": roster.reason,
                }
                if roster
                else None,
                "minutes": {area.code: int(minutes.get(area.code, 0)) for area in definition.areas},
                "total": sum(int(v) for v in minutes.values()),
                "confirmed": record is not None,
            }
        )
    area_time = credit.to_minutes(
        {s.area: 0.0 for s in segments if s.area}
        | {
            area: sum((s.end - s.start).total_seconds() for s in segments if s.area == area)
            for area in {s.area for s in segments if s.area}
        }
    )
    return {
        "lecture": lecture.id,
        "status": lecture.status,
        "confirmed_at": lecture.confirmed_at,
        "areas": [
            {
                "code": a.code,
                "title": a.titles,
                "minimum": a.minimum_minutes,
                "taught": area_time.get(a.code, 0),
            }
            for a in definition.areas
        ],
        "rows": rows,
    }


def confirm(
    session: Session, principal: Principal, lecture_id: int, definition: CourseDefinition
) -> dict[str, Any]:
    """The lecturer confirms the sheet of an ended lecture; from then on changes need a reason."""
    lecture = get_lecture(session, principal, lecture_id)
    _require_presenter(principal, lecture)
    if lecture.status != "ended":
        raise LectureStateError(status=lecture.status)
    if lecture.confirmed_at is not None:
        raise LectureStateError(status="confirmed")
    sheet = attendance_sheet(session, principal, lecture_id, definition)
    trainees = {t.id: t for t in _trainees(session, principal, lecture)}
    for row in sheet["rows"]:
        session.add(
            AttendanceRecord(
                lecture_id=lecture.id,
                trainee_id=row["trainee_id"],
                cooperative_id=trainees[row["trainee_id"]].cooperative_id,
                language=row["language"],
                minutes_by_area=row["minutes"],
                source=row["source"],
                recorded_by_id=principal.user_id,
            )
        )
    lecture.confirmed_at, lecture.confirmed_by_id = utcnow(), principal.user_id
    for _cohort, coop in set(_cohort_ids(session, lecture.id)):
        audit.record(
            session,
            principal,
            action="update",
            entity="lecture",
            entity_id=lecture.id,
            cooperative_id=coop,
            summary="attendance sheet confirmed",
        )
    session.flush()
    return attendance_sheet(session, principal, lecture_id, definition)


def _rewrite_record(
    session: Session, principal: Principal, lecture: Lecture, trainee: Trainee, reason: str
) -> None:
    """After confirmation a change supersedes the record and keeps the old one."""
    old = session.scalar(
        select(AttendanceRecord).where(
            AttendanceRecord.lecture_id == lecture.id,
            AttendanceRecord.trainee_id == trainee.id,
            AttendanceRecord.superseded_at.is_(None),
        )
    )
    minutes, source, _ = _credit_for(session, lecture, trainee, _segments(session, lecture))
    if old is not None:
        old.superseded_at = utcnow()
    session.add(
        AttendanceRecord(
            lecture_id=lecture.id,
            trainee_id=trainee.id,
            cooperative_id=trainee.cooperative_id,
            language=old.language if old else trainee.preferred_language,
            minutes_by_area=minutes,
            source=source,
            reason=reason,
            recorded_by_id=principal.user_id,
        )
    )
    session.flush()


def lecture_trainee(
    session: Session, principal: Principal, lecture_id: int, trainee_id: int
) -> Trainee:
    """A trainee of the lecture whose attendance the caller keeps; TraineeNotFound otherwise."""
    lecture = get_lecture(session, principal, lecture_id)
    _may_keep_attendance(principal, lecture)
    trainee = next((t for t in _trainees(session, principal, lecture) if t.id == trainee_id), None)
    if trainee is None:
        raise TraineeNotFound()
    return trainee


def record_history(
    session: Session, principal: Principal, lecture_id: int, trainee_id: int
) -> list[AttendanceRecord]:
    lecture = get_lecture(session, principal, lecture_id)
    _may_keep_attendance(principal, lecture)
    if trainee_id not in {t.id for t in _trainees(session, principal, lecture)}:
        raise TraineeNotFound()
    return list(
        session.scalars(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.lecture_id == lecture.id, AttendanceRecord.trainee_id == trainee_id
            )
            .order_by(AttendanceRecord.id)
        )
    )


# --- self-study ------------------------------------------------------------------------


def study_ping(
    session: Session,
    principal: Principal,
    definition: CourseDefinition,
    module_code: str,
    *,
    gap_limit: timedelta,
) -> dict[str, Any]:
    """Count active, visible self-study time on a module of the published revision."""
    trainee = trainee_of(session, principal)
    course = courses.ensure_course(session, definition)
    revision = courses.published_revision(session, course)
    module = (
        next((m for m in revision.modules if m.code == module_code), None) if revision else None
    )
    if revision is None or module is None:
        raise LectureNotFound()
    now = utcnow()
    current = session.scalar(
        select(StudySession)
        .where(
            StudySession.trainee_id == trainee.id,
            StudySession.module_code == module_code,
            StudySession.revision_id == revision.id,
        )
        .order_by(StudySession.id.desc())
    )
    if current is not None and now - current.last_seen_at <= gap_limit:
        current.last_seen_at = now
    else:
        session.add(
            StudySession(
                trainee_id=trainee.id,
                revision_id=revision.id,
                module_code=module_code,
                area_code=module.area_code,
                started_at=now,
                last_seen_at=now,
            )
        )
    session.flush()
    return {"module": module_code, "at": now.isoformat()}


def study_minutes(session: Session, trainee_id: int) -> dict[str, int]:
    """Self-study minutes per area (shown apart from lecture time)."""
    totals: dict[str, float] = defaultdict(float)
    for row in session.scalars(select(StudySession).where(StudySession.trainee_id == trainee_id)):
        totals[row.area_code or ""] += (row.last_seen_at - row.started_at).total_seconds()
    return credit.to_minutes(totals)


def study_answer(
    session: Session,
    principal: Principal,
    definition: CourseDefinition,
    module_code: str,
    position: int,
    choice: str,
) -> dict[str, Any]:
    """Answer a module quiz in self-study; the latest answer per question counts."""
    trainee = trainee_of(session, principal)
    course = courses.ensure_course(session, definition)
    revision = courses.published_revision(session, course)
    if revision is None:
        raise LectureNotFound()
    quiz = _quiz(session, revision.id, module_code, position, definition.master_language)
    if quiz is None:
        raise NotAQuiz()
    choice = choice.strip().upper()[:1]
    labels = [c["label"] for c in quiz["choices"]]
    if choice not in labels:
        raise PollClosed(N_("That is not one of the choices."))
    correct = choice == quiz["answer"]
    session.add(
        QuizAnswer(
            poll_id=None,
            trainee_id=trainee.id,
            revision_id=revision.id,
            module_code=module_code,
            position=position,
            choice=choice,
            correct=correct,
            language=trainee.preferred_language,
        )
    )
    session.flush()
    return {
        "correct": correct,
        "answer": quiz["answer"],
        "explanation": quiz.get("explanation", ""),
    }


def study_catalogue(
    session: Session, definitions: dict[str, CourseDefinition], language: str
) -> list[dict[str, Any]]:
    """The published modules of every course, titled in the language, for self-study."""
    catalogue = []
    for definition in definitions.values():
        revision = courses.published_revision(session, courses.ensure_course(session, definition))
        if revision is None:
            continue
        catalogue.append(
            {
                "course": definition.code,
                "title": definition.title(language),
                "self_study_counts": definition.self_study_counts,
                "total_minimum_minutes": definition.total_minimum_minutes,
                "modules": [
                    {
                        "code": m.code,
                        "title": m.titles.get(language) or m.titles.get(definition.master_language),
                        "title_language": language
                        if m.titles.get(language)
                        else definition.master_language,
                    }
                    for m in revision.modules
                ],
            }
        )
    return catalogue


def study_module(
    session: Session, principal: Principal, definition: CourseDefinition, module_code: str
) -> dict[str, Any]:
    """A published module for a trainee's self-study, in the trainee's language.

    Slides as ``courses.service.module_slides`` gives them (missing ones fall back to the
    master), without hidden slides and without quiz answers: the page must not give them away.
    """
    trainee = trainee_of(session, principal)
    revision = courses.published_revision(session, courses.ensure_course(session, definition))
    if revision is None:
        raise ModuleNotFound(course=definition.code, module=module_code)
    language = (
        trainee.preferred_language
        if trainee.preferred_language in definition.languages
        else definition.master_language
    )
    module = courses.module_slides(session, revision, definition, module_code, language)
    slides = []
    for slide in module["slides"]:
        if slide["hidden"]:
            continue
        if slide["quiz"] is not None:
            slide["quiz"] = {k: v for k, v in slide["quiz"].items() if k != "answer"}
        slides.append(slide)
    titles = next(m.titles for m in revision.modules if m.code == module_code)
    return {
        **module,
        "slides": slides,
        "master_language": definition.master_language,
        "title_language": language if titles.get(language) else definition.master_language,
    }
