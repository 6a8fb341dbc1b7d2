"""What a lecture recorded afterwards keeps as evidence, and reading the recording back.

- the signed sheet's scan or photo (PDF, JPEG or PNG, told by its first bytes), stored as
  plain bytes so that only those who keep the lecture's attendance can fetch it;
- a video meeting's participants report (Zoom, Teams, Meet): its rows matched to trainees
  (``app.lectures.meetings``), each matched stay a closed presence interval from the
  ``meeting``, the names left over listed for the lecturer to assign.

Every function receives a lecture whose attendance the caller keeps (``KeptAttendance``).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.cohorts.models import Trainee
from app.files import service as files
from app.i18n import N_
from app.lectures import access, attendance, meetings, timeline
from app.lectures.afterwards import (
    JAPAN,
    audit_step,
    check_state,
    write_stays,
)
from app.lectures.errors import CannotRecord, EvidenceNotFound, EvidenceTooLarge
from app.lectures.models import (
    Lecture,
    LectureEvent,
    LectureEvidence,
    PresenceInterval,
)
from app.lectures.schemas import (
    AttendeeRead,
    BlockRead,
    EvidenceRead,
    MeetingImportRead,
    ParticipantRead,
    RecordedRead,
    StayRead,
)

EVIDENCE_LIMIT_BYTES = 20 * 1024 * 1024
# What a scan or photo of a signed sheet may be, told by its first bytes, not its name.
SCAN_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


# --- reading it back ----------------------------------------------------------------------


def _blocks_of(session: Session, lecture: Lecture) -> list[BlockRead]:
    """The lecture's running stretches per area, with the modules shown in each."""
    shown = [
        (event.at, event.module_code)
        for event in session.scalars(
            select(LectureEvent)
            .where(
                LectureEvent.lecture_id == lecture.id,
                LectureEvent.kind.in_(("start", "slide", "resume")),
                LectureEvent.module_code.is_not(None),
            )
            .order_by(LectureEvent.at, LectureEvent.id)
        )
    ]
    blocks = []
    for segment in timeline.segments(session, lecture):
        modules: list[str] = []
        for at, code in shown:
            if segment.start <= at < segment.end and code not in modules:
                modules.append(code)
        if not modules:  # the slide on screen when the segment began
            before = [code for at, code in shown if at <= segment.start]
            modules = before[-1:]
        blocks.append(
            BlockRead(
                area=segment.area,
                modules=modules,
                start=segment.start,
                end=segment.end,
                minutes=int((segment.end - segment.start).total_seconds() // 60),
            )
        )
    return blocks


def recorded(session: Session, principal: Principal, lecture: Lecture) -> RecordedRead:
    """The lecture as recorded: how, its blocks, the caller's trainees' stays, the evidence."""
    visible = {t.id: t for t in attendance.trainees(session, principal, lecture)}
    by_trainee: dict[int, list[PresenceInterval]] = {}
    for interval in session.scalars(
        select(PresenceInterval)
        .where(
            PresenceInterval.lecture_id == lecture.id,
            PresenceInterval.trainee_id.in_(list(visible)),
        )
        .order_by(PresenceInterval.started_at)
    ):
        by_trainee.setdefault(interval.trainee_id, []).append(interval)
    attendees = [
        AttendeeRead(
            trainee_id=trainee.id,
            trainee_number=trainee.trainee_number,
            name=f"{trainee.family_name} {trainee.given_name}",
            source=sources_of(by_trainee[trainee.id]),
            stays=[
                StayRead(start=p.started_at, end=p.last_seen_at) for p in by_trainee[trainee.id]
            ],
        )
        for trainee in visible.values()
        if trainee.id in by_trainee
    ]
    return RecordedRead(
        lecture=lecture.id,
        status=lecture.status,
        recorded_via=lecture.recorded_via,
        started_at=lecture.started_at,
        ended_at=lecture.ended_at,
        blocks=_blocks_of(session, lecture),
        attendees=attendees,
        evidence=evidence_list(session, lecture),
    )


def sources_of(intervals: list[PresenceInterval]) -> str:
    """Where a trainee's presence came from: a sheet or a report, when one completed it, over
    the phone's pings."""
    kinds = {p.source for p in intervals}
    return next((k for k in ("paper", "meeting", "device") if k in kinds), "none")


# --- evidence ------------------------------------------------------------------------------


def evidence_read(row: LectureEvidence, size: int) -> EvidenceRead:
    return EvidenceRead(
        id=row.id,
        kind=row.kind,
        filename=row.filename,
        content_type=row.content_type,
        size=size,
        sha256=row.blob_sha256,
        uploaded_at=row.uploaded_at,
    )


def evidence_list(session: Session, lecture: Lecture) -> list[EvidenceRead]:
    rows = list(
        session.scalars(
            select(LectureEvidence)
            .where(LectureEvidence.lecture_id == lecture.id)
            .order_by(LectureEvidence.id)
        )
    )
    sizes = {sha: files.get(session, sha) for sha in {r.blob_sha256 for r in rows}}
    return [
        evidence_read(r, sizes[r.blob_sha256].size if sizes[r.blob_sha256] else 0) for r in rows
    ]


def evidence_of(session: Session, lecture: Lecture, evidence_id: int) -> LectureEvidence:
    row = session.get(LectureEvidence, evidence_id)
    if row is None or row.lecture_id != lecture.id:
        raise EvidenceNotFound()
    return row


def scan_type(data: bytes) -> str | None:
    """PDF, JPEG or PNG by the file's first bytes; None for anything else."""
    return next((kind for magic, kind in SCAN_TYPES if data.startswith(magic)), None)


def store(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    *,
    blobs_dir: Path,
    data: bytes,
    filename: str,
    kind: str,
    content_type: str,
) -> LectureEvidence:
    # The blob is stored as plain bytes: /files serves pictures to anyone signed in, and a
    # signed sheet is only for those who keep this lecture's attendance.
    digest = files.put(
        session, blobs_dir=blobs_dir, data=data, content_type="application/octet-stream"
    )
    row = session.scalar(
        select(LectureEvidence).where(
            LectureEvidence.lecture_id == lecture.id,
            LectureEvidence.kind == kind,
            LectureEvidence.blob_sha256 == digest,
        )
    )
    if row is None:
        row = LectureEvidence(
            lecture_id=lecture.id,
            kind=kind,
            blob_sha256=digest,
            filename=Path(filename or "evidence").name[:300],
            content_type=content_type,
            uploaded_by_id=principal.user_id,
        )
        session.add(row)
        session.flush()
        audit_step(
            session,
            principal,
            lecture,
            N_("Evidence added ({kind_label}): {file}"),
            {"kind": kind, "filename": row.filename, "sha256": digest, "size": len(data)},
            params={"kind_label": kind, "file": row.filename},
        )
    return row


def check_size(data: bytes) -> None:
    if len(data) > EVIDENCE_LIMIT_BYTES:
        raise EvidenceTooLarge(limit_mb=EVIDENCE_LIMIT_BYTES // (1024 * 1024))
    if not data:
        raise CannotRecord(N_("The file is empty."))


def add_scan(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    *,
    blobs_dir: Path,
    data: bytes,
    filename: str,
) -> EvidenceRead:
    """Keep a scan or photo of the signed sheet (PDF, JPEG or PNG, told by its bytes)."""
    check_size(data)
    content_type = scan_type(data)
    if content_type is None:
        raise CannotRecord(
            N_("The sheet's scan must be a PDF, JPEG or PNG file; this file is none of them.")
        )
    row = store(
        session,
        principal,
        lecture,
        blobs_dir=blobs_dir,
        data=data,
        filename=filename,
        kind="paper-sheet",
        content_type=content_type,
    )
    return evidence_read(row, len(data))


# --- a video meeting's participants report --------------------------------------------------


def lecture_day(lecture: Lecture) -> date:
    """The lecture's day in Japan: when it started, else when it was scheduled."""
    return (lecture.started_at or lecture.scheduled_start).astimezone(JAPAN).date()


def lecture_trainees(session: Session, lecture: Lecture) -> dict[int, Trainee]:
    """Every trainee of the lecture: names are matched against all of them, so a name of
    another cooperative's trainee is neither shown nor counted for the wrong person."""
    cohort_ids = [cohort for cohort, _coop in access.lecture_cohorts(session, lecture.id)]
    return {
        t.id: t for t in session.scalars(select(Trainee).where(Trainee.cohort_id.in_(cohort_ids)))
    }


def _read_report(lecture: Lecture, data: bytes) -> meetings.Report:
    try:
        return meetings.parse_report(data, day=lecture_day(lecture))
    except meetings.ReportUnreadable as error:
        raise CannotRecord(error.message, **error.params) from None


def _check_meeting_state(lecture: Lecture) -> None:
    if lecture.status == "scheduled":
        raise CannotRecord(
            N_(
                "Record the lecture's blocks first (which modules, from when to when); then "
                "import the meeting's report."
            )
        )
    check_state(lecture, with_blocks=False)


def participant_tag(row: LectureEvidence, name: str) -> str:
    """What a meeting's presence interval keeps in ``device``: which report and which name in
    it the stay came from, so a name assigned by hand is known as such later."""
    return f"meeting:{row.id}:{hashlib.sha256(name.encode()).hexdigest()[:16]}"


def import_report(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    *,
    blobs_dir: Path,
    data: bytes,
    filename: str,
) -> MeetingImportRead:
    """Keep a meeting's participants report and count the stays of every name that fits one
    of the caller's trainees; the rest are listed to be assigned by hand."""
    _check_meeting_state(lecture)
    check_size(data)
    report = _read_report(lecture, data)
    row = store(
        session,
        principal,
        lecture,
        blobs_dir=blobs_dir,
        data=data,
        filename=filename,
        kind="meeting-report",
        content_type="text/csv",
    )
    visible = {t.id for t in attendance.trainees(session, principal, lecture)}
    written = 0
    for item in meetings.match(report, _persons(lecture_trainees(session, lecture).values())):
        if item.trainee_id in visible:
            written += write_stays(
                session,
                lecture,
                item.trainee_id,
                item.stays,
                "meeting",
                participant_tag(row, item.name),
            )
    session.flush()
    audit_step(
        session,
        principal,
        lecture,
        N_("Meeting report imported: {file}"),
        {"evidence": row.id, "layout": report.layout, "stays": written},
        params={"file": row.filename},
    )
    return meeting_report(session, principal, lecture, row, blobs_dir=blobs_dir)


def _persons(trainees: Any) -> list[meetings.Person]:
    return [meetings.Person(t.id, t.family_name, t.given_name, t.name_katakana) for t in trainees]


def _report_of(
    session: Session, lecture: Lecture, row: LectureEvidence, blobs_dir: Path
) -> meetings.Report:
    if row.kind != "meeting-report":
        raise EvidenceNotFound()
    return _read_report(lecture, files.blob_path(blobs_dir, row.blob_sha256).read_bytes())


def meeting_report(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    row: LectureEvidence,
    *,
    blobs_dir: Path,
) -> MeetingImportRead:
    """The report's names: those counted for the caller's trainees (by name or by hand) and
    those counted for nobody. Names of other cooperatives' trainees are left out."""
    report = _report_of(session, lecture, row, blobs_dir)
    people = lecture_trainees(session, lecture)
    visible = {t.id for t in attendance.trainees(session, principal, lecture)}
    assigned_to = dict(
        session.execute(
            select(PresenceInterval.device, PresenceInterval.trainee_id).where(
                PresenceInterval.lecture_id == lecture.id, PresenceInterval.source == "meeting"
            )
        ).all()
    )
    matched, unmatched = [], []
    for item in meetings.match(report, _persons(people.values())):
        assigned = None
        if item.trainee_id is None:
            assigned = assigned_to.get(participant_tag(row, item.name))
        trainee_id = item.trainee_id or assigned
        if trainee_id is not None and trainee_id not in visible:
            continue  # another cooperative's trainee: theirs to see
        trainee = people.get(trainee_id) if trainee_id is not None else None
        read = ParticipantRead(
            name=item.name,
            email=item.email,
            minutes=item.minutes,
            stays=[StayRead(start=s, end=e) for s, e in item.stays],
            trainee_id=trainee_id,
            trainee_name=f"{trainee.family_name} {trainee.given_name}" if trainee else None,
            assigned=assigned is not None,
            candidates=[c for c in item.ambiguous if c in visible],
        )
        (matched if trainee_id is not None else unmatched).append(read)
    return MeetingImportRead(
        lecture=lecture.id,
        evidence=evidence_read(row, files.get(session, row.blob_sha256).size),  # type: ignore[union-attr]
        layout=report.layout,
        matched=matched,
        unmatched=unmatched,
    )


def assign(
    session: Session,
    principal: Principal,
    lecture: Lecture,
    row: LectureEvidence,
    *,
    blobs_dir: Path,
    name: str,
    trainee: Trainee | None,
) -> MeetingImportRead:
    """Count a name of the report for a trainee (the lecturer knows who "iPhone 12" was), or
    leave it out on purpose (the interpreter); both are audited."""
    _check_meeting_state(lecture)
    report = _report_of(session, lecture, row, blobs_dir)
    item = next((p for p in meetings.participants(report.joins) if p.name == name), None)
    if item is None:
        raise CannotRecord(N_("The report has no participant named {name}."), name=name)
    if trainee is not None:
        write_stays(session, lecture, trainee.id, item.stays, "meeting", participant_tag(row, name))
        session.flush()
    audit_step(
        session,
        principal,
        lecture,
        N_("Meeting report: {name} counted for a trainee")
        if trainee is not None
        else N_("Meeting report: {name} not counted"),
        {"evidence": row.id, "name": name},
        # Which trainee: only in the log of the trainee's own cooperative.
        {trainee.cooperative_id: {"trainee": trainee.trainee_number}} if trainee else None,
        params={"name": name},
    )
    return meeting_report(session, principal, lecture, row, blobs_dir=blobs_dir)


def latest_report(session: Session, lecture: Lecture) -> LectureEvidence | None:
    return session.scalar(
        select(LectureEvidence)
        .where(LectureEvidence.lecture_id == lecture.id, LectureEvidence.kind == "meeting-report")
        .order_by(LectureEvidence.id.desc())
    )
