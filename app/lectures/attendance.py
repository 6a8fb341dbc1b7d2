"""Attendance: roster marks by hand, minutes credited per area, the sheet, its confirmation
and later corrections (each kept, with its reason).

Every function here receives a lecture whose attendance the caller keeps (``KeptAttendance``);
staff see and mark only their own cooperative's trainees.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.cohorts.errors import TraineeNotFound
from app.cohorts.models import Trainee
from app.courses.definitions import CourseDefinition
from app.courses.models import RevisionLanguage
from app.db import utcnow
from app.i18n import N_
from app.lectures import access, credit, presence, timeline
from app.lectures.errors import InvalidLecture, LectureStateError, ReasonRequired
from app.lectures.models import AttendanceRecord, Lecture, PresenceInterval, RosterEntry
from app.lectures.schemas import (
    AreaTaught,
    AttendanceRow,
    AttendanceSheet,
    RosterMark,
)

ROSTER_STATUSES = ("present", "late", "left-early", "absent")


def trainees(session: Session, principal: Principal, lecture: Lecture) -> list[Trainee]:
    """The lecture's trainees the caller may see, by cooperative and trainee number."""
    return list(
        session.scalars(
            select(Trainee)
            .where(Trainee.cohort_id.in_(access.visible_cohort_ids(session, principal, lecture)))
            .order_by(Trainee.cooperative_id, Trainee.trainee_number)
        )
    )


def lecture_trainee(
    session: Session, principal: Principal, lecture: Lecture, trainee_id: int
) -> Trainee:
    """A trainee of the lecture whose attendance the caller keeps; TraineeNotFound otherwise."""
    trainee = next((t for t in trainees(session, principal, lecture) if t.id == trainee_id), None)
    if trainee is None:
        raise TraineeNotFound()
    return trainee


def set_roster(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    trainee: Trainee,
    *,
    status: str,
    minutes: int = 0,
    reason: str = "",
) -> RosterEntry:
    """Mark a trainee by hand (no phone in the room); the previous mark is kept, superseded."""
    if status not in ROSTER_STATUSES:
        raise InvalidLecture(reason=N_("unknown attendance status."))
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
    """Minutes per area, where they came from (roster, device, none), and the roster mark."""
    roster = session.scalar(
        select(RosterEntry).where(
            RosterEntry.lecture_id == lecture.id,
            RosterEntry.trainee_id == trainee.id,
            RosterEntry.superseded_at.is_(None),
        )
    )
    if roster is not None and lecture.started_at is not None:
        present = credit.roster_interval(
            roster.status,
            lecture_start=lecture.started_at,
            lecture_end=lecture.ended_at or utcnow(),
            minutes=roster.minutes,
        )
        source = "roster"
    else:
        present = presence.intervals(session, lecture.id, trainee.id)
        source = _presence_source(session, lecture, trainee) if present else "none"
    return credit.to_minutes(credit.credited_seconds(segments, present)), source, roster


def _presence_source(session: Session, lecture: Lecture, trainee: Trainee) -> str:
    """Phone pings (device), or a paper sheet or meeting report entered afterwards."""
    kinds = set(
        session.scalars(
            select(PresenceInterval.source).where(
                PresenceInterval.lecture_id == lecture.id,
                PresenceInterval.trainee_id == trainee.id,
            )
        )
    )
    return next((kind for kind in ("paper", "meeting") if kind in kinds), "device")


def attendance_sheet(
    session: Session, principal: Principal, lecture: Lecture, definition: CourseDefinition
) -> AttendanceSheet:
    """Every trainee of the lecture (the caller's cohorts) with minutes per statutory area."""
    segments = timeline.segments(session, lecture)
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
    for trainee in trainees(session, principal, lecture):
        computed, source, roster = _credit_for(session, lecture, trainee, segments)
        record = records.get(trainee.id)
        minutes = record.minutes_by_area if record is not None else computed
        rows.append(
            AttendanceRow(
                trainee_id=trainee.id,
                trainee_number=trainee.trainee_number,
                name=f"{trainee.family_name} {trainee.given_name}",
                language=trainee.preferred_language
                if trainee.preferred_language in taught
                else definition.master_language,
                source=record.source if record is not None else source,
                roster=RosterMark(
                    status=roster.status, minutes=roster.minutes, reason=roster.reason
                )
                if roster
                else None,
                minutes={area.code: int(minutes.get(area.code, 0)) for area in definition.areas},
                total=sum(int(v) for v in minutes.values()),
                confirmed=record is not None,
            )
        )
    area_time = credit.to_minutes(
        {s.area: 0.0 for s in segments if s.area}
        | {
            area: sum((s.end - s.start).total_seconds() for s in segments if s.area == area)
            for area in {s.area for s in segments if s.area}
        }
    )
    return AttendanceSheet(
        lecture=lecture.id,
        status=lecture.status,
        confirmed_at=lecture.confirmed_at,
        areas=[
            AreaTaught(
                code=a.code,
                title=a.titles,
                minimum=a.minimum_minutes,
                taught=area_time.get(a.code, 0),
            )
            for a in definition.areas
        ],
        rows=rows,
    )


def confirm(
    session: Session, principal: Principal, lecture: Lecture, definition: CourseDefinition
) -> AttendanceSheet:
    """The lecturer confirms the sheet of an ended lecture; from then on changes need a reason."""
    if lecture.status != "ended":
        raise LectureStateError(status=lecture.status)
    if lecture.confirmed_at is not None:
        raise LectureStateError(status="confirmed")
    sheet = attendance_sheet(session, principal, lecture, definition)
    cooperative_of = {t.id: t.cooperative_id for t in trainees(session, principal, lecture)}
    for row in sheet.rows:
        session.add(
            AttendanceRecord(
                lecture_id=lecture.id,
                trainee_id=row.trainee_id,
                cooperative_id=cooperative_of[row.trainee_id],
                language=row.language,
                minutes_by_area=row.minutes,
                source=row.source,
                recorded_by_id=principal.user_id,
            )
        )
    lecture.confirmed_at, lecture.confirmed_by_id = utcnow(), principal.user_id
    for coop in {coop for _cohort, coop in access.lecture_cohorts(session, lecture.id)}:
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
    return attendance_sheet(session, principal, lecture, definition)


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
    minutes, source, _ = _credit_for(session, lecture, trainee, timeline.segments(session, lecture))
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


def record_history(session: Session, lecture: Lecture, trainee: Trainee) -> list[AttendanceRecord]:
    """Every version of the trainee's confirmed minutes, oldest first."""
    return list(
        session.scalars(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.lecture_id == lecture.id, AttendanceRecord.trainee_id == trainee.id
            )
            .order_by(AttendanceRecord.id)
        )
    )
