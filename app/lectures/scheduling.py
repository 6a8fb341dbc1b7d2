"""Scheduling lectures and listing them: what the schedule pages and the API show."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.cohorts import access as cohort_access
from app.cohorts.models import Cohort
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.courses.models import Course, Revision
from app.db import utcnow
from app.i18n import N_
from app.lectures import access, checks
from app.lectures.errors import (
    InvalidLecture,
    LectureNotChangeable,
    LectureStateError,
    LectureWarning,
    ReasonNeeded,
    UnknownModules,
    WarningsNotAcknowledged,
)
from app.lectures.models import Interpreter, Lecture, LectureCohort, LectureModule
from app.lectures.schemas import (
    CohortRef,
    InterpreterRead,
    LectureRead,
    PersonRef,
    SchedulingWarning,
)


def _cohorts_and_lecturer(
    session: Session, principal: Principal, cohort_ids: list[int], lecturer_id: int
) -> tuple[list[Cohort], User]:
    if not cohort_ids:
        raise InvalidLecture(reason=N_("choose at least one cohort."))
    cohorts = [cohort_access.owned_cohort(session, principal, cid) for cid in cohort_ids]
    return cohorts, _lecturer(session, lecturer_id)


def _lecturer(session: Session, lecturer_id: int) -> User:
    lecturer = session.get(User, lecturer_id)
    if lecturer is None or lecturer.role != "lecturer" or not lecturer.active:
        raise InvalidLecture(reason=N_("the lecturer is not a registered lecturer."))
    return lecturer


def _check_times(scheduled_start: datetime, scheduled_end: datetime) -> None:
    if scheduled_end <= scheduled_start:
        raise InvalidLecture(reason=N_("it ends before it starts."))


def _check_delivery(definition: CourseDefinition, delivery: str) -> None:
    if delivery not in definition.delivery_modes_counted and delivery != "classroom":
        raise InvalidLecture(reason=N_("this delivery mode does not count for the course."))


def _check_modules(definition: CourseDefinition, revision: Revision, planned: list[str]) -> None:
    codes = [module.code for module in revision.modules]
    unknown = [code for code in planned if code not in codes]
    if unknown:
        raise UnknownModules(course=definition.code, module=", ".join(unknown))


def _warn(
    session: Session, definition: CourseDefinition, plan: checks.Plan, acknowledged: bool
) -> list[LectureWarning]:
    """The plan's warnings; WarningsNotAcknowledged (nothing saved) unless acknowledged."""
    found = checks.warnings_for(session, definition, plan)
    if found and not acknowledged:
        raise WarningsNotAcknowledged(found)
    return found


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
    acknowledge_warnings: bool = False,
    warn: bool = True,
) -> Lecture:
    """Schedule a lecture of the course's published revision for cohorts the caller may see.

    With warnings (``app.lectures.checks``) nothing is saved unless ``acknowledge_warnings``;
    ``warn=False`` skips the checks (a lecture recorded afterwards: its record says what
    does not count).
    """
    _check_times(scheduled_start, scheduled_end)
    _check_delivery(definition, delivery)
    cohorts, lecturer = _cohorts_and_lecturer(session, principal, cohort_ids, lecturer_id)
    course = courses.ensure_course(session, definition)
    revision = courses.published_revision(session, course)
    if revision is None:
        raise InvalidLecture(reason=N_("the course has no published revision yet."))
    planned = modules or [module.code for module in revision.modules]
    _check_modules(definition, revision, planned)
    plan = checks.Plan(
        lecturer=lecturer,
        cohorts=cohorts,
        start=scheduled_start,
        end=scheduled_end,
        revision_id=revision.id,
        interpreter_languages={language for _name, language in interpreters or []},
    )
    found = _warn(session, definition, plan, acknowledge_warnings) if warn else []
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
    replan_modules(session, lecture, planned)
    _set_interpreters(session, lecture, interpreters or [])
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
            changes=checks.audit_changes(found),
        )
    return lecture


def replan_modules(session: Session, lecture: Lecture, planned: list[str]) -> None:
    """Plan the lecture to teach these modules, in this order (replacing the plan)."""
    session.execute(delete(LectureModule).where(LectureModule.lecture_id == lecture.id))
    session.add_all(
        LectureModule(lecture_id=lecture.id, module_code=code, position=index)
        for index, code in enumerate(planned, start=1)
    )


def _set_interpreters(
    session: Session, lecture: Lecture, interpreters: list[tuple[str, str]]
) -> None:
    session.execute(delete(Interpreter).where(Interpreter.lecture_id == lecture.id))
    session.add_all(
        Interpreter(lecture_id=lecture.id, name=name, language=language)
        for name, language in interpreters
    )


def _audit_each_cooperative(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    action: str,
    summary: str,
    changes: dict[str, Any],
) -> None:
    for cooperative_id in sorted(
        {coop for _c, coop in access.lecture_cohorts(session, lecture.id)}
    ):
        audit.record(
            session,
            principal,
            action=action,
            entity="lecture",
            entity_id=lecture.id,
            cooperative_id=cooperative_id,
            summary=summary,
            changes=changes,
        )


def change(
    session: Session,
    principal: Principal,
    definition: CourseDefinition,
    lecture: Lecture,
    *,
    reason: str,
    acknowledge_warnings: bool = False,
    **fields: Any,
) -> list[LectureWarning]:
    """Edit or reschedule a lecture, with a reason (audited); returns the warnings acknowledged.

    ``fields`` left out (None) stay. The time, lecturer, modules and delivery change only
    before the lecture starts; a cancelled lecture does not change. Its trainees see the new
    time, the time it had before and the reason.
    """
    reason = _reason(reason)
    if lecture.status == "cancelled":
        raise LectureNotChangeable()
    wanted = {key: value for key, value in fields.items() if value is not None}
    timing = {"scheduled_start", "scheduled_end", "lecturer_id", "modules", "delivery"}
    if lecture.status != "scheduled" and any(
        key in timing and wanted[key] != current
        for key, current in _current(session, lecture).items()
        if key in wanted
    ):
        raise LectureNotChangeable()
    start = wanted.get("scheduled_start", lecture.scheduled_start)
    end = wanted.get("scheduled_end", lecture.scheduled_end)
    _check_times(start, end)
    _check_delivery(definition, wanted.get("delivery", lecture.delivery))
    lecturer = _lecturer(session, wanted.get("lecturer_id", lecture.lecturer_id))
    if "modules" in wanted:
        revision = session.get_one(Revision, lecture.revision_id)
        _check_modules(definition, revision, wanted["modules"] or planned_modules(session, lecture))
    interpreters = wanted.get("interpreters")
    saved = checks.plan_of(session, lecture)
    plan = replace(
        saved,
        lecturer=lecturer,
        start=start,
        end=end,
        interpreter_languages=saved.interpreter_languages
        if interpreters is None
        else {language for _name, language in interpreters},
    )
    # Once started, the time and people are what they were: nothing left to warn about.
    scheduled = lecture.status == "scheduled"
    found = _warn(session, definition, plan, acknowledge_warnings) if scheduled else []
    before = _current(session, lecture)
    if start != lecture.scheduled_start:
        lecture.previous_start = lecture.scheduled_start
    for key in ("title", "scheduled_start", "scheduled_end", "venue", "online_url", "delivery"):
        if key in wanted:
            setattr(lecture, key, wanted[key])
    lecture.lecturer_id = lecturer.id
    lecture.change_reason = reason
    if wanted.get("modules"):
        replan_modules(session, lecture, wanted["modules"])
    if interpreters is not None:
        _set_interpreters(session, lecture, interpreters)
    session.flush()
    after = _current(session, lecture)
    changed = {
        key: [str(before[key]), str(after[key])] for key in before if before[key] != after[key]
    }
    _audit_each_cooperative(
        session,
        principal,
        lecture,
        "update",
        f"{lecture.scheduled_start:%Y-%m-%d %H:%M} {lecture.title}",
        {**changed, "reason": reason, **checks.audit_changes(found)},
    )
    return found


def _current(session: Session, lecture: Lecture) -> dict[str, Any]:
    """A lecture's changeable fields as a change compares them."""
    return {
        "title": lecture.title,
        "scheduled_start": lecture.scheduled_start,
        "scheduled_end": lecture.scheduled_end,
        "lecturer_id": lecture.lecturer_id,
        "modules": planned_modules(session, lecture),
        "interpreters": [
            (i.name, i.language)
            for i in session.scalars(
                select(Interpreter)
                .where(Interpreter.lecture_id == lecture.id)
                .order_by(Interpreter.id)
            )
        ],
        "venue": lecture.venue,
        "online_url": lecture.online_url,
        "delivery": lecture.delivery,
    }


def _reason(reason: str) -> str:
    """The reason of a change or cancellation; ReasonNeeded when there is none."""
    if not reason.strip():
        raise ReasonNeeded()
    return reason.strip()


def cancel(session: Session, principal: Principal, lecture: Lecture, *, reason: str) -> None:
    """Cancel a lecture that has not started, with a reason its trainees read (audited).

    A cancelled lecture cannot start and counts nowhere; it stays listed, marked cancelled.
    """
    reason = _reason(reason)
    if lecture.status != "scheduled":
        raise LectureStateError(status=lecture.status)
    lecture.status = "cancelled"
    lecture.cancelled_at = utcnow()
    lecture.change_reason = reason
    session.flush()
    _audit_each_cooperative(
        session,
        principal,
        lecture,
        "cancel",
        f"{lecture.scheduled_start:%Y-%m-%d %H:%M} {lecture.title}",
        {"reason": reason},
    )


def newer_revision(session: Session, lecture: Lecture) -> Revision | None:
    """The revision published since the lecture was scheduled, while it has not started."""
    if lecture.status != "scheduled":
        return None
    course = session.get_one(Course, lecture.course_id)
    published = courses.published_revision(session, course)
    current = session.get(Revision, lecture.revision_id)
    if published is None or current is None or published.number <= current.number:
        return None
    return published


def list_lectures(session: Session, principal: Principal) -> list[Lecture]:
    """The lectures the caller may see, latest first (at most 500)."""
    query = (
        select(Lecture)
        .where(access.visible_lectures(session, principal))
        .order_by(Lecture.scheduled_start.desc())
    )
    return list(session.scalars(query.limit(500)))


def planned_modules(session: Session, lecture: Lecture) -> list[str]:
    """The module codes the lecture teaches, in their planned order."""
    return list(
        session.scalars(
            select(LectureModule.module_code)
            .where(LectureModule.lecture_id == lecture.id)
            .order_by(LectureModule.position)
        )
    )


def lecture_details(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    warnings: list[LectureWarning] | None = None,
    language: str = "ja",
) -> LectureRead:
    """What the schedule pages and the API show of a lecture (cohorts limited to the caller's),
    with the warnings acknowledged in ``language`` when it was just saved."""
    cohorts = session.scalars(
        select(Cohort).where(Cohort.id.in_(access.visible_cohort_ids(session, principal, lecture)))
    )
    lecturer = session.get(User, lecture.lecturer_id)
    revision = session.get(Revision, lecture.revision_id)
    return LectureRead(
        id=lecture.id,
        title=lecture.title,
        status=lecture.status,
        scheduled_start=lecture.scheduled_start,
        scheduled_end=lecture.scheduled_end,
        delivery=lecture.delivery,
        venue=lecture.venue,
        online_url=lecture.online_url,
        lecturer=PersonRef(id=lecturer.id, name=lecturer.display_name) if lecturer else None,
        revision=revision.number if revision else None,
        cohorts=[CohortRef(id=c.id, name=c.name, cooperative_id=c.cooperative_id) for c in cohorts],
        modules=planned_modules(session, lecture),
        interpreters=[
            InterpreterRead(name=i.name, language=i.language)
            for i in session.scalars(
                select(Interpreter).where(Interpreter.lecture_id == lecture.id)
            )
        ],
        join_code=lecture.join_code if principal.role in ("admin", "lecturer", "staff") else None,
        started_at=lecture.started_at,
        ended_at=lecture.ended_at,
        confirmed_at=lecture.confirmed_at,
        change_reason=lecture.change_reason,
        previous_start=lecture.previous_start,
        newer_revision=newer.number if (newer := newer_revision(session, lecture)) else None,
        warnings=[
            SchedulingWarning(code=w.code, message=w.text(language), cohort_id=w.cohort_id)
            for w in warnings or []
        ],
    )


def list_lecturers(session: Session) -> list[User]:
    """Active lecturers by name: whom staff may schedule a lecture with."""
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
