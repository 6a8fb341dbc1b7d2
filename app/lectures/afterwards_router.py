"""The JSON API of lectures recorded afterwards: the blocks and attendees of a lecture held on
paper or over a video meeting, the sheet's scan, and the meeting's participants report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import FileResponse

from app.accounts.dependencies import (
    PrincipalDep,
    require_roles,
)
from app.courses import service as courses
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.files import service as files
from app.http.gate import CheckedBeforeBody
from app.http.openapi import file_download
from app.lectures import (
    afterwards,
    attendance,
    evidence,
)
from app.lectures.dependencies import (
    KeptAttendance,
)
from app.lectures.errors import EvidenceNotFound
from app.lectures.schemas import (
    AssignIn,
    EvidenceRead,
    MeetingImportRead,
    RecordedCreate,
    RecordedIn,
    RecordedRead,
)

router = APIRouter(prefix="/api/v1", tags=["lectures"], route_class=CheckedBeforeBody)
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


# --- lectures recorded afterwards: paper sheets, meeting reports, their evidence ----------


def _upload(file: UploadFile) -> tuple[bytes, str]:
    """The uploaded bytes (one past the limit at most, so the service can refuse them)."""
    return file.file.read(evidence.EVIDENCE_LIMIT_BYTES + 1), file.filename or ""


@router.post(
    "/lectures/recorded",
    status_code=201,
    response_model=RecordedRead,
    dependencies=[Depends(require_roles("admin", "staff"))],
)
def create_recorded(
    session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep, body: RecordedCreate
) -> RecordedRead:
    """Schedule and record in one step a lecture held outside Koshu (paper, a video meeting)."""
    lecture = afterwards.create_recorded(
        session,
        principal,
        courses.get_definition(definitions, body.course),
        cohort_ids=body.cohort_ids,
        lecturer_id=body.lecturer_id,
        via=body.via,
        blocks=body.blocks,
        attendees=body.attendees,
        interpreters=[(i.name, i.language) for i in body.interpreters or []],
        venue=body.venue or "",
        online_url=body.online_url,
        delivery=body.delivery,
        title=body.title,
    )
    return evidence.recorded(session, principal, lecture)


@router.get("/lectures/{lecture_id}/recorded", response_model=RecordedRead)
def get_recorded(
    session: SessionDep, principal: PrincipalDep, lecture: KeptAttendance
) -> RecordedRead:
    """How the lecture was recorded, its blocks per area, who was there when, the evidence."""
    return evidence.recorded(session, principal, lecture)


@router.post("/lectures/{lecture_id}/recorded", response_model=RecordedRead)
def record_afterwards(
    session: SessionDep, principal: PrincipalDep, lecture: KeptAttendance, body: RecordedIn
) -> RecordedRead:
    """Record a lecture held outside Koshu (blocks and attendees), or add the attendees of a
    paper sheet or a meeting to an ended live lecture whose phones failed."""
    afterwards.record(
        session,
        principal,
        lecture,
        via=body.via,
        blocks=body.blocks,
        attendees=body.attendees,
        lecturer_id=body.lecturer_id,
        interpreters=None
        if body.interpreters is None
        else [(i.name, i.language) for i in body.interpreters],
        venue=body.venue,
    )
    return evidence.recorded(session, principal, lecture)


@router.get("/lectures/{lecture_id}/evidence", response_model=list[EvidenceRead])
def list_evidence(session: SessionDep, lecture: KeptAttendance) -> list[EvidenceRead]:
    return evidence.evidence_list(session, lecture)


@router.post("/lectures/{lecture_id}/evidence", status_code=201, response_model=EvidenceRead)
def add_evidence(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    file: Annotated[UploadFile, File()],
) -> EvidenceRead:
    """Keep a scan or photo of the signed paper sheet (PDF, JPEG or PNG, at most 20 MB)."""
    data, filename = _upload(file)
    return evidence.add_scan(
        session, principal, lecture, blobs_dir=settings.blobs_dir, data=data, filename=filename
    )


@router.get(
    "/lectures/{lecture_id}/evidence/{evidence_id}",
    response_class=FileResponse,
    responses=file_download("application/pdf", "image/jpeg", "image/png", "text/csv"),
)
def get_evidence(
    session: SessionDep, settings: SettingsDep, lecture: KeptAttendance, evidence_id: RowId
) -> FileResponse:
    """Download a kept sheet or report, as an attachment."""
    row = evidence.evidence_of(session, lecture, evidence_id)
    return FileResponse(
        files.blob_path(settings.blobs_dir, row.blob_sha256),
        media_type=row.content_type,
        filename=row.filename,
        headers={"Content-Security-Policy": "default-src 'none'; sandbox", **NO_SNIFF},
    )


@router.post("/lectures/{lecture_id}/meeting-report", response_model=MeetingImportRead)
def import_meeting_report(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    file: Annotated[UploadFile, File()],
) -> MeetingImportRead:
    """Count a video meeting's participants report (Zoom, Teams, Meet CSV) as presence; the
    names that fit no trainee come back to be assigned."""
    data, filename = _upload(file)
    return evidence.import_report(
        session, principal, lecture, blobs_dir=settings.blobs_dir, data=data, filename=filename
    )


@router.get("/lectures/{lecture_id}/meeting-report", response_model=MeetingImportRead)
def meeting_report(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, lecture: KeptAttendance
) -> MeetingImportRead:
    """The latest report's names: counted for a trainee, or not counted."""
    row = evidence.latest_report(session, lecture)
    if row is None:
        raise EvidenceNotFound()
    return evidence.meeting_report(session, principal, lecture, row, blobs_dir=settings.blobs_dir)


@router.post("/lectures/{lecture_id}/meeting-report/assign", response_model=MeetingImportRead)
def assign_participant(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    body: AssignIn,
) -> MeetingImportRead:
    """Count a report's name for a trainee, or (``trainee_id`` null) leave it out on purpose."""
    trainee = (
        attendance.lecture_trainee(session, principal, lecture, body.trainee_id)
        if body.trainee_id is not None
        else None
    )
    return evidence.assign(
        session,
        principal,
        lecture,
        evidence.evidence_of(session, lecture, body.evidence_id),
        blobs_dir=settings.blobs_dir,
        name=body.name,
        trainee=trainee,
    )
