"""Dependencies that turn a lecture id into a lecture the caller may use, or an error.

The rules live in ``app.lectures.access``; the JSON API and the pages take the same
dependencies, so a route cannot forget a check the others make.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.dependencies import PrincipalDep
from app.cohorts.models import Trainee
from app.courses.definitions import CourseDefinition
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep
from app.lectures import access, attendance, scheduling
from app.lectures.access import Followed
from app.lectures.broadcast import Broadcaster
from app.lectures.models import Lecture


async def get_broadcaster(request: Request) -> Broadcaster:
    return request.app.state.broadcaster  # type: ignore[no-any-return]


def viewable_lecture(session: SessionDep, principal: PrincipalDep, lecture_id: RowId) -> Lecture:
    """A lecture the caller may see (404 otherwise)."""
    return access.viewable(session, principal, lecture_id)


ViewableLecture = Annotated[Lecture, Depends(viewable_lecture)]


def presented_lecture(principal: PrincipalDep, lecture: ViewableLecture) -> Lecture:
    """A lecture the caller may present: its lecturer or an admin (403 for others who see it)."""
    access.require_presenter(principal, lecture)
    return lecture


PresentedLecture = Annotated[Lecture, Depends(presented_lecture)]


def scheduled_lecture(
    session: SessionDep, principal: PrincipalDep, lecture: ViewableLecture
) -> Lecture:
    """A lecture the caller may change or cancel: admins, and staff of all its cohorts."""
    access.require_scheduler(session, principal, lecture)
    return lecture


ScheduledLecture = Annotated[Lecture, Depends(scheduled_lecture)]


def kept_attendance(principal: PrincipalDep, lecture: ViewableLecture) -> Lecture:
    """A lecture whose attendance the caller keeps: admins, its lecturer, and staff."""
    access.require_attendance_keeper(principal, lecture)
    return lecture


KeptAttendance = Annotated[Lecture, Depends(kept_attendance)]


def attended_by(
    session: SessionDep, principal: PrincipalDep, lecture: KeptAttendance, trainee_id: RowId
) -> Trainee:
    """A trainee of the lecture whose attendance the caller keeps (404 otherwise)."""
    return attendance.lecture_trainee(session, principal, lecture, trainee_id)


LectureTrainee = Annotated[Trainee, Depends(attended_by)]


def followed_lecture(session: SessionDep, principal: PrincipalDep, lecture_id: RowId) -> Followed:
    """The lecture and the signed-in trainee whose cohort is in it."""
    return access.followed_by(session, principal, lecture_id)


FollowedLecture = Annotated[Followed, Depends(followed_lecture)]


def lecture_definition(
    session: SessionDep, definitions: DefinitionsDep, lecture: ViewableLecture
) -> CourseDefinition:
    """The course definition the lecture is taught under."""
    return scheduling.definition_of(session, definitions, lecture)


LectureDefinition = Annotated[CourseDefinition, Depends(lecture_definition)]
BroadcasterDep = Annotated[Broadcaster, Depends(get_broadcaster)]
