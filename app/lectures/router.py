"""The lectures JSON API: schedule, present, follow (server-sent events), attend, answer.

Who may call what is decided by the dependencies (``app.lectures.dependencies``) before a
route runs; routes parse, call one service function and return its typed result.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.accounts.dependencies import (
    READS_RECORDS,
    SCHEDULES_LECTURES,
    PrincipalDep,
    optional_principal,
    require_roles,
)
from app.accounts.errors import LoginRequired
from app.courses import service as courses
from app.db import RowId, transaction
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.errors import DomainError
from app.files import service as files
from app.http.gate import CheckedBeforeBody
from app.http.openapi import file_download
from app.lectures import (
    access,
    afterwards,
    attendance,
    evidence,
    live,
    phones,
    presence,
    scheduling,
)
from app.lectures.dependencies import (
    BroadcasterDep,
    FollowedLecture,
    KeptAttendance,
    LectureDefinition,
    LectureTrainee,
    PresentedLecture,
    ViewableLecture,
)
from app.lectures.errors import EvidenceNotFound
from app.lectures.models import Lecture
from app.lectures.schemas import (
    AnswerIn,
    AnswerRead,
    AssignIn,
    AttendanceSheet,
    ConfirmIn,
    EvidenceRead,
    GapDecision,
    GapRead,
    LectureCreate,
    LectureRead,
    LiveState,
    MeetingImportRead,
    Ping,
    PingRead,
    PollResults,
    RecordedCreate,
    RecordedIn,
    RecordedRead,
    RecordVersion,
    Room,
    RosterIn,
    RosterRead,
    RosterSheetIn,
    SlideChange,
)

router = APIRouter(prefix="/api/v1", tags=["lectures"], route_class=CheckedBeforeBody)
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


@router.get("/lectures", dependencies=[READS_RECORDS], response_model=list[LectureRead])
def list_lectures(session: SessionDep, principal: PrincipalDep) -> list[LectureRead]:
    return [
        scheduling.lecture_details(session, principal, lecture)
        for lecture in scheduling.list_lectures(session, principal)
    ]


@router.post(
    "/lectures",
    status_code=201,
    response_model=LectureRead,
    dependencies=[Depends(require_roles("admin", "staff")), SCHEDULES_LECTURES],
)
def schedule_lecture(
    session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep, body: LectureCreate
) -> LectureRead:
    """Schedule a lecture of the course's published revision for one or more cohorts."""
    lecture = scheduling.schedule(
        session,
        principal,
        courses.get_definition(definitions, body.course),
        lecturer_id=body.lecturer_id,
        cohort_ids=body.cohort_ids,
        scheduled_start=body.scheduled_start,
        scheduled_end=body.scheduled_end,
        modules=body.modules,
        interpreters=[(i.name, i.language) for i in body.interpreters],
        venue=body.venue,
        online_url=body.online_url,
        delivery=body.delivery,
        title=body.title,
    )
    return scheduling.lecture_details(session, principal, lecture)


@router.get("/lectures/{lecture_id}", dependencies=[READS_RECORDS], response_model=LectureRead)
def get_lecture(
    session: SessionDep, principal: PrincipalDep, lecture: ViewableLecture
) -> LectureRead:
    return scheduling.lecture_details(session, principal, lecture)


@router.get("/lectures/{lecture_id}/state", dependencies=[READS_RECORDS], response_model=LiveState)
def lecture_state(session: SessionDep, lecture: ViewableLecture) -> LiveState:
    return live.state(session, lecture)


@router.post("/lectures/{lecture_id}/start", response_model=LiveState)
def start(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture: PresentedLecture,
) -> LiveState:
    return live.start(session, broadcaster, principal, lecture)


@router.post("/lectures/{lecture_id}/slide", response_model=LiveState)
def change_slide(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture: PresentedLecture,
    body: SlideChange,
) -> LiveState:
    """Show a given slide, or step forward (+1) or back (-1); recorded at the server's time."""
    return live.go_to(
        session,
        broadcaster,
        principal,
        lecture,
        module=body.module,
        position=body.position,
        step=body.step,
    )


@router.post("/lectures/{lecture_id}/pause", response_model=LiveState)
def pause(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture: PresentedLecture,
) -> LiveState:
    return live.pause(session, broadcaster, principal, lecture)


@router.post("/lectures/{lecture_id}/resume", response_model=LiveState)
def resume(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture: PresentedLecture,
) -> LiveState:
    return live.resume(session, broadcaster, principal, lecture)


@router.post("/lectures/{lecture_id}/end", response_model=LiveState)
def end(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
) -> LiveState:
    """End the lecture; phones still following are present to the end."""
    return live.end(session, broadcaster, principal, lecture, definition.presence)


@router.post("/lectures/{lecture_id}/poll", response_model=LiveState)
def open_poll(
    session: SessionDep, broadcaster: BroadcasterDep, lecture: PresentedLecture
) -> LiveState:
    """Open the quiz slide on screen as a live poll."""
    return live.open_poll(session, broadcaster, lecture)


@router.delete("/lectures/{lecture_id}/poll", response_model=LiveState)
def close_poll(
    session: SessionDep, broadcaster: BroadcasterDep, lecture: PresentedLecture
) -> LiveState:
    return live.close_poll(session, broadcaster, lecture)


@router.get(
    "/lectures/{lecture_id}/poll/results",
    response_model=PollResults,
    dependencies=[Depends(require_roles("admin", "lecturer", "staff")), READS_RECORDS],
)
def poll_results(session: SessionDep, lecture: ViewableLecture) -> PollResults:
    return live.poll_results(session, lecture)


@router.post("/lectures/{lecture_id}/answers", status_code=201, response_model=AnswerRead)
def answer(
    session: SessionDep, broadcaster: BroadcasterDep, followed: FollowedLecture, body: AnswerIn
) -> AnswerRead:
    """A trainee's answer to the open poll; a second answer or a late one is refused."""
    return phones.answer(session, broadcaster, followed, poll_id=body.poll_id, choice=body.choice)


@router.post("/lectures/{lecture_id}/ping", response_model=PingRead)
def ping(
    session: SessionDep, definitions: DefinitionsDep, followed: FollowedLecture, body: Ping
) -> PingRead:
    """The trainee's page says it is still there (the server's time is used), or leaving."""
    definition = scheduling.definition_of(session, definitions, followed.lecture)
    signal = presence.PingSignal(leaving=body.leaving, device=body.device)
    return presence.ping(session, followed, definition.presence, signal)


@router.get(
    "/lectures/{lecture_id}/attendance",
    dependencies=[READS_RECORDS],
    response_model=AttendanceSheet,
)
def attendance_sheet(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    definition: LectureDefinition,
) -> AttendanceSheet:
    return attendance.attendance_sheet(session, principal, lecture, definition)


@router.put("/lectures/{lecture_id}/roster/{trainee_id}", response_model=RosterRead)
def set_roster(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    trainee: LectureTrainee,
    body: RosterIn,
) -> RosterRead:
    """Mark a trainee without a phone: present, late, left early or absent (audited)."""
    entry = attendance.set_roster(
        session,
        principal,
        lecture,
        trainee,
        status=body.status,
        minutes=body.minutes,
        reason=body.reason,
    )
    return RosterRead(id=entry.id, status=entry.status, minutes=entry.minutes, reason=entry.reason)


@router.put("/lectures/{lecture_id}/roster", response_model=AttendanceSheet)
def set_roster_sheet(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    definition: LectureDefinition,
    body: RosterSheetIn,
) -> AttendanceSheet:
    """Mark several trainees at once; if one mark is refused, none is saved."""
    attendance.set_roster_sheet(session, principal, lecture, body.marks)
    return attendance.attendance_sheet(session, principal, lecture, definition)


@router.put("/lectures/{lecture_id}/gaps/{gap_id}", response_model=GapRead)
def decide_gap(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    gap_id: RowId,
    body: GapDecision,
) -> GapRead:
    """Accept or reject a bridged gap (a phone that went quiet and came back)."""
    return attendance.decide_gap(
        session, principal, lecture, gap_id, status=body.status, reason=body.reason
    )


@router.get("/lectures/{lecture_id}/room", response_model=Room)
def room(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    definition: LectureDefinition,
) -> Room:
    """Who is following now, asleep, left or not joined: the presenter's live roster."""
    people = attendance.trainees(session, principal, lecture)
    return presence.room(session, lecture, people, definition.presence)


@router.post("/lectures/{lecture_id}/confirm", response_model=AttendanceSheet)
def confirm(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    body: ConfirmIn = ConfirmIn(),  # the body may be left out: nothing acknowledged
) -> AttendanceSheet:
    """Confirm the sheet; with shortfalls, only once the lecturer acknowledges them (409)."""
    return attendance.confirm(
        session, principal, lecture, definition, acknowledge_shortfalls=body.acknowledge_shortfalls
    )


@router.get(
    "/lectures/{lecture_id}/attendance/{trainee_id}/history",
    dependencies=[READS_RECORDS],
    response_model=list[RecordVersion],
)
def attendance_history(
    session: SessionDep, lecture: KeptAttendance, trainee: LectureTrainee
) -> list[RecordVersion]:
    """Every version of a trainee's confirmed minutes, corrections and their reasons included."""
    return [
        RecordVersion(
            minutes=r.minutes_by_area,
            source=r.source,
            reason=r.reason,
            recorded_at=r.recorded_at,
            superseded_at=r.superseded_at,
        )
        for r in attendance.record_history(session, lecture, trainee)
    ]


def _initial_state(request: Request, lecture_id: int) -> tuple[LiveState, bool]:
    """The lecture's state for a new stream, and whether the caller sees answer updates.

    Uses a short-lived session of its own: a session dependency would hold a database
    connection for as long as the stream stays open, and 200 phones would empty the pool.
    """
    with transaction(request.app.state.session_factory) as session:
        lecture = _viewable_by_caller(request, session, lecture_id)
        principal = request.state.principal
        return live.state(session, lecture), access.may_see_answers(principal)


def _viewable_by_caller(request: Request, session: Session, lecture_id: int) -> Lecture:
    principal = optional_principal(request, session)
    if principal is None:
        raise LoginRequired()
    request.state.principal = principal
    return access.viewable(session, principal, lecture_id)


def _still_allowed(request: Request, lecture_id: int) -> bool:
    """Whether the stream's caller is still signed in and may still see the lecture."""
    try:
        with transaction(request.app.state.session_factory) as session:
            _viewable_by_caller(request, session, lecture_id)
    except DomainError:
        return False
    return True


async def stream_start(request: Request, lecture_id: RowId) -> tuple[LiveState, bool]:
    # A dependency, so that 401 and 404 are answered before the stream's 200 starts.
    return await run_in_threadpool(_initial_state, request, lecture_id)


@router.get("/lectures/{lecture_id}/events", response_class=EventSourceResponse)
async def lecture_events(
    request: Request,
    lecture_id: RowId,
    start: Annotated[tuple[LiveState, bool], Depends(stream_start)],
) -> AsyncIterator[LiveState]:
    """Server-sent events (``state``): the current state at once, then every change.

    Browsers reconnect on their own after a drop and get the current state again, so a
    phone that lost the network catches up without reloading. Every ``stream_check_seconds``
    the stream checks that the caller's session is still valid (a PIN reset or a logout
    elsewhere revokes it) and ends when it is not; when idle it sends a keep-alive then.
    """
    initial, sees_answers = start
    hub = request.app.state.broadcaster.hub
    interval = request.app.state.settings.stream_check_seconds
    async with hub.subscribe(live.topic(lecture_id)) as queue:
        yield ServerSentEvent(event="state", data=initial, retry=2000)
        checked = time.monotonic()
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), timeout=interval)
            except TimeoutError:
                message = None
            if time.monotonic() - checked >= interval:
                if await request.is_disconnected():
                    return
                if not await run_in_threadpool(_still_allowed, request, lecture_id):
                    return
                checked = time.monotonic()
            if message is None:
                yield ServerSentEvent(comment="keep-alive")
                continue
            if message.get("answers") and not sees_answers:
                continue  # answer counts are for the presenter, not for 200 phones
            yield ServerSentEvent(
                event="state", raw_data=json.dumps(message, separators=(",", ":"), default=str)
            )


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
