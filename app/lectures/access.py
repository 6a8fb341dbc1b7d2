"""Who may see a lecture, present it, keep its attendance or follow it: the rules in one place.

- See: admins; the lecture's lecturer; staff of a cooperative with a cohort in it (and that
  cooperative's API tokens); trainees of those cohorts. Anyone else gets 404, never 403, so
  lecture ids leak nothing.
- Present (start, move, poll, end, confirm): the lecture's lecturer or an admin.
- Change or cancel: admins, and staff whose cooperative has every cohort of the lecture.
- Keep attendance (sheet, roster marks, history): admins, the lecturer, and staff; staff see
  only their own cooperative's trainees.
- Follow on a phone (ping, answer): a trainee whose cohort is in the lecture.

Route dependencies (``app.lectures.dependencies``) apply these rules before a service runs;
services receive the rows and never re-derive who may see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from app.accounts.errors import Forbidden
from app.accounts.models import LoginSession, User
from app.accounts.tenancy import Principal
from app.cohorts.access import trainee_of
from app.cohorts.models import Trainee
from app.db import utcnow
from app.i18n import N_
from app.lectures.errors import LectureNotFound, NotYourLecture, NotYourSchedule
from app.lectures.models import Lecture, LectureCohort


def lecture_cohorts(session: Session, lecture_id: int) -> list[tuple[int, int]]:
    """(cohort id, cooperative id) of every cohort taught in the lecture."""
    rows = session.execute(
        select(LectureCohort.cohort_id, LectureCohort.cooperative_id).where(
            LectureCohort.lecture_id == lecture_id
        )
    ).all()
    return [(cohort_id, cooperative_id) for cohort_id, cooperative_id in rows]


def visible_lectures(session: Session, principal: Principal) -> ColumnElement[bool]:
    """The WHERE clause limiting lectures to those the caller may see."""
    if principal.is_admin:
        return true()
    if principal.role == "lecturer":
        return Lecture.lecturer_id == principal.user_id
    if principal.role == "staff":
        return Lecture.id.in_(
            select(LectureCohort.lecture_id).where(
                LectureCohort.cooperative_id == principal.cooperative_id
            )
        )
    if principal.role == "trainee":
        trainee = trainee_of(session, principal)
        return Lecture.id.in_(
            select(LectureCohort.lecture_id).where(LectureCohort.cohort_id == trainee.cohort_id)
        )
    return false()


def can_see(session: Session, principal: Principal, lecture: Lecture) -> bool:
    if principal.is_admin or is_presenter(principal, lecture):
        return True
    pairs = lecture_cohorts(session, lecture.id)
    if principal.role == "staff":
        return any(coop == principal.cooperative_id for _cohort, coop in pairs)
    if principal.role == "trainee":
        trainee = trainee_of(session, principal)
        return any(cohort == trainee.cohort_id for cohort, _coop in pairs)
    return False


def viewable(session: Session, principal: Principal, lecture_id: int) -> Lecture:
    """The lecture if the caller may see it, else LectureNotFound."""
    lecture = session.get(Lecture, lecture_id)
    if lecture is None or not can_see(session, principal, lecture):
        raise LectureNotFound()
    return lecture


def is_presenter(principal: Principal, lecture: Lecture) -> bool:
    return principal.is_admin or (
        principal.role == "lecturer" and lecture.lecturer_id == principal.user_id
    )


def require_presenter(principal: Principal, lecture: Lecture) -> None:
    if not is_presenter(principal, lecture):
        raise Forbidden(N_("Only the lecturer of this lecture can present it."))


def require_scheduler(session: Session, principal: Principal, lecture: Lecture) -> None:
    """Change or cancel: admins, and staff whose cooperative has every cohort of the lecture
    (a lecture shared with another cooperative is changed by an admin)."""
    if principal.is_admin:
        return
    if principal.role != "staff":
        raise Forbidden()
    if any(coop != principal.cooperative_id for _c, coop in lecture_cohorts(session, lecture.id)):
        raise NotYourSchedule()


def require_attendance_keeper(principal: Principal, lecture: Lecture) -> None:
    if not (principal.role == "staff" or is_presenter(principal, lecture)):
        raise Forbidden()


def sees_every_cohort(principal: Principal) -> bool:
    """Admins and lecturers see all the lecture's cohorts; staff only their cooperative's."""
    return principal.is_admin or principal.role == "lecturer"


def visible_cohort_ids(session: Session, principal: Principal, lecture: Lecture) -> list[int]:
    """The lecture's cohorts whose trainees the caller may see."""
    return [
        cohort_id
        for cohort_id, coop in lecture_cohorts(session, lecture.id)
        if sees_every_cohort(principal) or coop == principal.cooperative_id
    ]


def may_see_answers(principal: Principal) -> bool:
    """Live answer counts are for the presenter and staff, not for trainees' phones."""
    return principal.role != "trainee"


@dataclass(frozen=True)
class Followed:
    """A lecture and the signed-in trainee following it."""

    lecture: Lecture
    trainee: Trainee


def followed_by(session: Session, principal: Principal, lecture_id: int) -> Followed:
    """The lecture and the calling trainee; NotYourLecture unless the trainee's cohort is in it."""
    principal.require("trainee")
    trainee = trainee_of(session, principal)
    lecture = session.get(Lecture, lecture_id)
    if lecture is None or trainee.cohort_id not in {
        cohort for cohort, _coop in lecture_cohorts(session, lecture_id)
    }:
        raise NotYourLecture()
    return Followed(lecture=lecture, trainee=trainee)


def trainee_still_follows(session: Session, token_hash: str, lecture_id: int) -> int | None:
    """The lecture's state version while the trainee signed in with this login session may
    still follow it (the session live, the user active, their cohort in the lecture), else
    None: ``followed_by``'s rules in one statement, for the checks of a thousand open streams."""
    return session.scalar(_following(lecture_id, Lecture.state_version, token_hash))


def versions_followed(session: Session, token_hashes: list[str], lecture_id: int) -> dict[str, int]:
    """``trainee_still_follows`` for many login sessions in one statement: the lecture's state
    version for each that may still follow it (the others are left out)."""
    found = _per_session(session, token_hashes, lecture_id, Lecture.state_version)
    return {token: version or 0 for token, version in found.items()}


def trainee_ids_following(
    session: Session, token_hashes: list[str], lecture_id: int
) -> dict[str, int]:
    """``trainees_following`` without the users: the trainee's id for each login session (a
    ping needs no more, and a hall's first pings come by hundreds)."""
    return _per_session(session, token_hashes, lecture_id, Trainee.id)


def _per_session(
    session: Session, token_hashes: list[str], lecture_id: int, column: Any
) -> dict[str, Any]:
    """``column`` for each of these login sessions that may follow the lecture."""
    rows = session.execute(
        _following(lecture_id, LoginSession.token_hash, *token_hashes).add_columns(column)
    )
    return {token: value for token, value in rows}


def trainees_following(
    session: Session, token_hashes: list[str], lecture_id: int
) -> dict[str, tuple[int, User]]:
    """For each of these login sessions whose trainee may follow the lecture (the rules of
    ``trainee_still_follows``): the trainee's id and user; one statement for many phones (the
    streams and first pings of a hall joining at once)."""
    rows = session.execute(
        _following(lecture_id, LoginSession.token_hash, *token_hashes).add_columns(Trainee.id, User)
    )
    return {token: (trainee, user) for token, trainee, user in rows}


def _following(lecture_id: int, column: Any, *token_hashes: str) -> Select[Any]:
    return (
        select(column)
        .select_from(Lecture)
        .join(LectureCohort, LectureCohort.lecture_id == Lecture.id)
        .join(Trainee, Trainee.cohort_id == LectureCohort.cohort_id)
        .join(User, User.id == Trainee.user_id)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            Lecture.id == lecture_id,
            LoginSession.token_hash.in_(token_hashes),
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(),
            User.active.is_(True),
            User.role == "trainee",
        )
    )
