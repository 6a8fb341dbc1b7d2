"""Dependencies that turn a lecture id into a lecture the caller may use, or an error.

The rules live in ``app.lectures.access``; the JSON API and the pages take the same
dependencies, so a route cannot forget a check the others make.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.dependencies import PrincipalDep, optional_principal, session_token
from app.accounts.errors import LoginRequired
from app.accounts.security import token_hash
from app.cohorts.access import trainee_of
from app.cohorts.models import Trainee
from app.courses.definitions import CourseDefinition, PresenceRules
from app.db import RowId, transaction
from app.deps import DefinitionsDep, SessionDep
from app.http import csrf
from app.lectures import access, attendance, gates, pings, scheduling
from app.lectures.access import Followed
from app.lectures.broadcast import Broadcaster
from app.lectures.errors import LectureEnded, LectureStateError
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


async def pinging_follower(request: Request, lecture_id: RowId) -> pings.Follower:
    """The trainee pinging the lecture: from memory when the same browser (cookie, CSRF token)
    was checked for it in the last ``ping_trust_seconds``, else checked as FollowedLecture is.

    A phone pings every 15 s; checking each ping against the database would cost a hall of
    1,000 phones several statements per ping (``app.lectures.pings``).
    """
    trusted: pings.TrustedFollowers = request.app.state.ping_followers
    key = trusted.key(request.headers, lecture_id)
    follower = trusted.get(key)
    if follower is None or pings.buffer_for(request.app.state.engine).has_ended(lecture_id):
        follower = await _batched_follower(request, lecture_id)
        if follower is None:  # not simply a trainee of the lecture: the whole check says why
            follower = await gates.PING_CHECKS.run(_checked_follower, request, lecture_id)
        trusted.remember(key, follower)
    else:
        csrf.verify(request, request.headers.get("x-csrf-token"))  # as optional_principal does
    return follower


# The first pings of a hall joining at once: one statement per lecture for all that wait.
_FIRST_PINGS: gates.Batches[str, pings.Follower] = gates.Batches(gates.PING_CHECKS)


async def _batched_follower(request: Request, lecture_id: int) -> pings.Follower | None:
    """The trainee signed in with the request's cookie, checked together with the other
    phones of the lecture asking at the same moment (``access.trainees_following``: the rules
    of ``_checked_follower``); None for anything else (a bearer token, no or an ended login
    session, not in the lecture, the lecture over), which ``_checked_follower`` then explains."""
    hashed = signed_in_token_hash(request)
    if hashed is None:
        return None
    state = request.app.state
    follower = await _FIRST_PINGS.ask(
        (state.session_factory, lecture_id),
        hashed,
        functools.partial(_followers_of, state.session_factory, state.definitions, lecture_id),
    )
    if follower is not None:
        csrf.verify(request, request.headers.get("x-csrf-token"))  # as optional_principal does
    return follower


def _followers_of(
    session_factory: sessionmaker[Session],
    definitions: dict[str, CourseDefinition],
    lecture_id: int,
    token_hashes: list[str],
) -> dict[str, pings.Follower]:
    with transaction(session_factory) as session:
        found = access.trainee_ids_following(session, token_hashes, lecture_id)
        lecture = session.get(Lecture, lecture_id) if found else None
        rules = followed_rules(session, definitions, lecture)
        if lecture is None or rules is None:
            return {}
        return {
            token: pings.Follower(lecture_id, trainee, lecture.status, rules)
            for token, trainee in found.items()
        }


def followed_rules(
    session: Session, definitions: dict[str, CourseDefinition], lecture: Lecture | None
) -> PresenceRules | None:
    """The presence rules pings of the lecture follow; None once it can no longer be pinged."""
    if lecture is None or lecture.status in ("ended", "cancelled"):
        return None
    return scheduling.definition_of(session, definitions, lecture).presence


def _checked_follower(request: Request, lecture_id: int) -> pings.Follower:
    with transaction(request.app.state.session_factory) as session:
        principal = optional_principal(request, session)
        if principal is None:
            raise LoginRequired()
        followed = access.followed_by(session, principal, lecture_id)
        if followed.lecture.status == "ended":
            raise LectureEnded()
        if followed.lecture.status == "cancelled":  # no presence of a lecture that never was
            raise LectureStateError(status=followed.lecture.status)
        return follower_of(session, request, followed)


def follower_of(session: Session, request: Request, followed: Followed) -> pings.Follower:
    """The trainee following the lecture, as pings trust them."""
    lecture = followed.lecture
    definition = scheduling.definition_of(session, request.app.state.definitions, lecture)
    return pings.Follower(lecture.id, followed.trainee.id, lecture.status, definition.presence)


def trust_pings_of(session: Session, request: Request, lecture: Lecture) -> None:
    """A trainee's page that opened the lecture's event stream pings it next: trust its
    pings now (the stream checked the same cookie), so 1,000 phones joining at once are not
    checked twice each."""
    principal = request.state.principal
    if principal.role != "trainee" or lecture.status in ("ended", "cancelled"):
        return
    followed = Followed(lecture=lecture, trainee=trainee_of(session, principal))
    trusted: pings.TrustedFollowers = request.app.state.ping_followers
    trusted.remember(
        trusted.key(request.headers, lecture.id), follower_of(session, request, followed)
    )


def trust_follower(request: Request, follower: pings.Follower) -> None:
    """Trust the pings of the request's browser for the follower (see ``trust_pings_of``)."""
    trusted: pings.TrustedFollowers = request.app.state.ping_followers
    trusted.remember(trusted.key(request.headers, follower.lecture_id), follower)


def signed_in_token_hash(request: Request) -> str | None:
    """The hash of the request's login-session cookie; None for a bearer token or no cookie."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return None
    token = session_token(request)
    return token_hash(token) if token else None


PingingFollower = Annotated[pings.Follower, Depends(pinging_follower)]


def lecture_definition(
    session: SessionDep, definitions: DefinitionsDep, lecture: ViewableLecture
) -> CourseDefinition:
    """The course definition the lecture is taught under."""
    return scheduling.definition_of(session, definitions, lecture)


LectureDefinition = Annotated[CourseDefinition, Depends(lecture_definition)]
BroadcasterDep = Annotated[Broadcaster, Depends(get_broadcaster)]
