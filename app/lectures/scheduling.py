"""Scheduling lectures and listing them: what the schedule pages and the API show."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.cohorts import access as cohort_access
from app.cohorts.models import Cohort
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.courses.models import Course, Revision
from app.i18n import N_
from app.lectures import access
from app.lectures.errors import InvalidLecture, UnknownModules
from app.lectures.models import Interpreter, Lecture, LectureCohort, LectureModule
from app.lectures.schemas import CohortRef, InterpreterRead, LectureRead, PersonRef


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
    if scheduled_end <= scheduled_start:
        raise InvalidLecture(reason=N_("it ends before it starts."))
    if delivery not in definition.delivery_modes_counted and delivery != "classroom":
        raise InvalidLecture(reason=N_("this delivery mode does not count for the course."))
    if not cohort_ids:
        raise InvalidLecture(reason=N_("choose at least one cohort."))
    cohorts = [cohort_access.owned_cohort(session, principal, cid) for cid in cohort_ids]
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


def lecture_details(session: Session, principal: Principal, lecture: Lecture) -> LectureRead:
    """What the schedule pages and the API show of a lecture (cohorts limited to the caller's)."""
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
