"""Attendance: roster marks by hand, minutes credited per area, the sheet, its confirmation
and later corrections (each kept, with its reason).

Every function here receives a lecture whose attendance the caller keeps (``KeptAttendance``);
staff see and mark only their own cooperative's trainees.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.cohorts import languages as cohort_languages
from app.cohorts.errors import TraineeNotFound
from app.cohorts.models import Cohort, Trainee
from app.courses.definitions import CourseDefinition, PresenceRules
from app.db import utcnow
from app.i18n import N_
from app.lectures import access, credit, presence, slides, timeline
from app.lectures.errors import (
    GapNotFound,
    InvalidLecture,
    LectureStateError,
    ReasonRequired,
    ShortfallsNotAcknowledged,
    UndoWindowOver,
)
from app.lectures.models import AttendanceRecord, Lecture, PresenceGap, RosterEntry
from app.lectures.schemas import (
    AreaTaught,
    AttendanceRow,
    AttendanceSheet,
    GapRead,
    RosterMark,
    RosterSheetMark,
    Shortfall,
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
    if lecture.status == "cancelled":  # it never happened: nobody attended it
        raise LectureStateError(status=lecture.status)
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
        summary=N_("Lecture {lecture}, trainee {trainee}: {status_label}"),
        params={"lecture": lecture.id, "trainee": trainee.trainee_number, "status_label": status},
        changes={"status": status, "minutes": minutes, "reason": reason},
    )
    if lecture.confirmed_at is not None:
        _rewrite_record(session, principal, lecture, trainee, reason)
    return entry


def set_roster_sheet(
    session: Session, principal: Principal, lecture: Lecture, marks: list[RosterSheetMark]
) -> list[RosterEntry]:
    """Save the marks of a whole sheet at once; any invalid mark saves none of them.

    A mark equal to the trainee's current one is left alone (nothing changed, nothing to audit).
    """
    by_id = {t.id: t for t in trainees(session, principal, lecture)}
    rosters = _current_rosters(session, lecture, list(by_id))
    entries = []
    for mark in marks:
        trainee = by_id.get(mark.trainee_id)
        if trainee is None:
            raise TraineeNotFound()
        current = rosters.get(trainee.id)
        if current is not None and (current.status, current.minutes) == (mark.status, mark.minutes):
            continue
        entries.append(
            set_roster(
                session,
                principal,
                lecture,
                trainee,
                status=mark.status,
                minutes=mark.minutes,
                reason=mark.reason,
            )
        )
    return entries


def languages_shown(
    session: Session, lecture: Lecture, people: list[Trainee]
) -> dict[int, tuple[str, dict[str, str]]]:
    """Per trainee: the language most of the lecture's slides were shown to them in, and each
    slide's, along their language chain (a Khmer trainee without a Khmer deck: English)."""
    master = slides.master_language(session, lecture)
    keys = slides.shown_keys(session, lecture)
    states = slides.slide_states(session, lecture)
    found: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {}
    out = {}
    # Held while the chains are worked out: the session keeps a cohort it has read only as
    # long as something refers to it, and each trainee would read theirs again.
    cohorts = list(
        session.scalars(select(Cohort).where(Cohort.id.in_({t.cohort_id for t in people})))
    )
    for trainee in people:
        chain = cohort_languages.trainee_chain(session, trainee, master)
        if tuple(chain) not in found:
            found[tuple(chain)] = slides.languages_shown(keys, states, chain, master)
        out[trainee.id] = found[tuple(chain)]
    del cohorts
    return out


@dataclass(frozen=True)
class Credit:
    """A trainee's minutes per area, where they came from, and how the trainee attended."""

    minutes: dict[str, int]
    source: str
    roster: RosterEntry | None
    attendance: str
    arrived_at: datetime | None
    left_at: datetime | None
    gaps: list[presence.Gap]


def _current_rosters(
    session: Session, lecture: Lecture, trainee_ids: list[int]
) -> dict[int, RosterEntry]:
    return {
        entry.trainee_id: entry
        for entry in session.scalars(
            select(RosterEntry).where(
                RosterEntry.lecture_id == lecture.id,
                RosterEntry.trainee_id.in_(trainee_ids),
                RosterEntry.superseded_at.is_(None),
            )
        )
    }


def _credit_for(
    lecture: Lecture,
    segments: list[credit.Segment],
    rules: PresenceRules,
    found: presence.Evidence,
    roster: RosterEntry | None,
) -> Credit:
    """A trainee's credit in the lecture: a roster mark replaces whatever else says so."""
    end = lecture.ended_at or utcnow()
    if roster is not None and lecture.started_at is not None:
        present = credit.roster_interval(
            roster.status, lecture_start=lecture.started_at, lecture_end=end, minutes=roster.minutes
        )
        source = "roster"
    else:
        present = found.credited
        source = next(
            (kind for kind in ("device", "meeting", "paper") if kind in found.sources), "none"
        )
    minutes = credit.to_minutes(credit.credited_seconds(segments, present))
    attendance, arrived, left = _how_attended(lecture, present, rules, roster)
    return Credit(minutes, source, roster, attendance, arrived, left, found.gaps)


def _credit_of_one(
    session: Session, lecture: Lecture, trainee: Trainee, rules: PresenceRules
) -> Credit:
    return _credit_for(
        lecture,
        timeline.segments(session, lecture),
        rules,
        presence.evidence(session, lecture.id, trainee.id),
        _current_rosters(session, lecture, [trainee.id]).get(trainee.id),
    )


def _how_attended(
    lecture: Lecture,
    present: list[credit.Interval],
    rules: PresenceRules,
    roster: RosterEntry | None,
) -> tuple[str, datetime | None, datetime | None]:
    """(throughout | partly | absent | no-data, arrived late at, left early at)."""
    if roster is not None and roster.status == "absent":
        return "absent", None, None
    merged = credit.merge_intervals(present)
    if lecture.started_at is None or not merged:
        return "no-data", None, None
    # A ping interval's worth of slack: a phone pings every 15 s, not at the very second.
    slack = timedelta(seconds=rules.ping_gap_seconds)
    start, end = lecture.started_at, lecture.ended_at or utcnow()
    arrived = merged[0][0] if merged[0][0] > start + slack else None
    left = merged[-1][1] if lecture.ended_at and merged[-1][1] < end - slack else None
    away = any(later[0] - earlier[1] > slack for earlier, later in itertools.pairwise(merged))
    return ("partly" if arrived or left or away else "throughout"), arrived, left


def _gap_read(gap: presence.Gap | PresenceGap) -> GapRead:
    seconds = (gap.ended_at - gap.started_at).total_seconds()
    return GapRead(
        id=gap.id,
        started_at=gap.started_at,
        ended_at=gap.ended_at,
        minutes=int(seconds // 60),
        status=gap.status,  # type: ignore[arg-type]
        reason=gap.reason,
    )


def attendance_sheet(
    session: Session, principal: Principal, lecture: Lecture, definition: CourseDefinition
) -> AttendanceSheet:
    """Every trainee of the lecture (the caller's cohorts) with minutes per statutory area,
    how they attended, and who was credited less of an area than was taught."""
    segments = timeline.segments(session, lecture)
    records = {
        r.trainee_id: r
        for r in session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.lecture_id == lecture.id, AttendanceRecord.superseded_at.is_(None)
            )
        )
    }
    people = trainees(session, principal, lecture)
    ids = [t.id for t in people]
    evidence = presence.evidence_by_trainee(session, lecture.id, ids)
    rosters = _current_rosters(session, lecture, ids)
    shown = languages_shown(session, lecture, people)
    rows = []
    for trainee in people:
        found = _credit_for(
            lecture, segments, definition.presence, evidence[trainee.id], rosters.get(trainee.id)
        )
        record = records.get(trainee.id)
        minutes = record.minutes_by_area if record is not None else found.minutes
        roster = found.roster
        rows.append(
            AttendanceRow(
                trainee_id=trainee.id,
                trainee_number=trainee.trainee_number,
                name=f"{trainee.family_name} {trainee.given_name}",
                language=record.language if record is not None else shown[trainee.id][0],
                source=record.source if record is not None else found.source,
                attendance=found.attendance,  # type: ignore[arg-type]
                arrived_at=found.arrived_at,
                left_at=found.left_at,
                gaps=[_gap_read(gap) for gap in found.gaps],
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
        shortfalls=[
            Shortfall(
                trainee_id=row.trainee_id,
                name=row.name,
                area=code,
                credited=row.minutes.get(code, 0),
                taught=taught_minutes,
            )
            for row in rows
            for code, taught_minutes in area_time.items()
            if row.minutes.get(code, 0) < taught_minutes
        ],
    )


def decide_gap(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    gap_id: int,
    *,
    status: str,
    reason: str = "",
) -> GapRead:
    """The lecturer accepts or rejects a bridged gap; after confirmation, with a reason."""
    gap = session.get(PresenceGap, gap_id)
    if gap is None or gap.lecture_id != lecture.id:
        raise GapNotFound()
    trainee = session.get(Trainee, gap.trainee_id)
    assert trainee is not None
    if lecture.confirmed_at is not None and not reason.strip():
        raise ReasonRequired()
    gap.status, gap.reason = status, reason.strip()
    gap.decided_by_id, gap.decided_at = principal.user_id, utcnow()
    session.flush()
    audit.record(
        session,
        principal,
        action="update",
        entity="presence-gap",
        entity_id=gap.id,
        cooperative_id=trainee.cooperative_id,
        summary=N_("Lecture {lecture}, trainee {trainee}: gap in presence {status_label}"),
        params={"lecture": lecture.id, "trainee": trainee.trainee_number, "status_label": status},
        changes={"status": status, "reason": reason},
    )
    if lecture.confirmed_at is not None:
        _rewrite_record(session, principal, lecture, trainee, reason)
    return _gap_read(gap)


def confirm(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    definition: CourseDefinition,
    *,
    acknowledge_shortfalls: bool = False,
) -> AttendanceSheet:
    """The lecturer confirms the sheet of an ended lecture; from then on changes need a reason.

    ShortfallsNotAcknowledged while trainees were credited less of an area than was taught,
    unless the lecturer says they have checked them.
    """
    if lecture.status != "ended":
        raise LectureStateError(status=lecture.status)
    if lecture.confirmed_at is not None:
        raise LectureStateError(status="confirmed")
    sheet = attendance_sheet(session, principal, lecture, definition)
    short = sorted({s.trainee_id for s in sheet.shortfalls})
    if short and not acknowledge_shortfalls:
        raise ShortfallsNotAcknowledged(count=len(short))
    people = trainees(session, principal, lecture)
    cooperative_of = {t.id: t.cooperative_id for t in people}
    shown = languages_shown(session, lecture, people)
    for row in sheet.rows:
        session.add(
            AttendanceRecord(
                lecture_id=lecture.id,
                trainee_id=row.trainee_id,
                cooperative_id=cooperative_of[row.trainee_id],
                language=shown[row.trainee_id][0],
                slide_languages=shown[row.trainee_id][1],
                minutes_by_area=row.minutes,
                source=row.source,
                recorded_by_id=principal.user_id,
            )
        )
    lecture.confirmed_at, lecture.confirmed_by_id = utcnow(), principal.user_id
    _audit_sheet(session, principal, lecture, N_("Attendance sheet confirmed"))
    return attendance_sheet(session, principal, lecture, definition)


def _audit_sheet(session: Session, principal: Principal, lecture: Lecture, summary: str) -> None:
    """Log what happened to the lecture's sheet in each cooperative's audit log, then flush."""
    for coop in {coop for _cohort, coop in access.lecture_cohorts(session, lecture.id)}:
        audit.record(
            session,
            principal,
            action="update",
            entity="lecture",
            entity_id=lecture.id,
            cooperative_id=coop,
            summary=summary,
        )
    session.flush()


def with_undo(sheet: AttendanceSheet, minutes: int) -> AttendanceSheet:
    """The sheet with the time until which its confirmation may still be undone."""
    if sheet.confirmed_at is None or minutes <= 0:
        return sheet
    until = sheet.confirmed_at + timedelta(minutes=minutes)
    return sheet.model_copy(update={"undo_until": until if until > utcnow() else None})


def undo_confirm(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    definition: CourseDefinition,
    *,
    window: timedelta,
) -> AttendanceSheet:
    """Take back a confirmation given by mistake: only within ``window`` of it and before any
    correction (UndoWindowOver otherwise). The confirmed minutes are kept, superseded, so the
    record shows they were confirmed and taken back; the undo is audited."""
    if lecture.confirmed_at is None:
        raise LectureStateError(status=lecture.status)
    now = utcnow()
    records = session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.lecture_id == lecture.id)
    ).all()
    corrected = any(r.superseded_at is not None or r.reason for r in records)
    if now - lecture.confirmed_at > window or corrected:
        raise UndoWindowOver(minutes=int(window.total_seconds() // 60))
    for record in records:
        record.superseded_at = now
    lecture.confirmed_at, lecture.confirmed_by_id = None, None
    _audit_sheet(session, principal, lecture, "attendance sheet confirmation undone")
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
    # The presence limits shape only the sheet's wording, not the minutes: defaults will do.
    found = _credit_of_one(session, lecture, trainee, PresenceRules())
    minutes, source = found.minutes, found.source
    if old is not None:
        old.superseded_at = utcnow()
        language, slide_languages = old.language, old.slide_languages
    else:
        language, slide_languages = languages_shown(session, lecture, [trainee])[trainee.id]
    session.add(
        AttendanceRecord(
            lecture_id=lecture.id,
            trainee_id=trainee.id,
            cooperative_id=trainee.cooperative_id,
            language=language,
            slide_languages=slide_languages,
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
