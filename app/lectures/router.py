"""The lectures JSON API: schedule, present, follow (server-sent events), attend, answer.

Who may call what is decided by the dependencies (``app.lectures.dependencies``) before a
route runs; routes parse, call one service function and return its typed result.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.accounts.dependencies import (
    READS_RECORDS,
    SCHEDULES_LECTURES,
    PrincipalDep,
    optional_principal,
    require_roles,
    session_token,
)
from app.accounts.errors import LoginRequired
from app.accounts.security import token_hash
from app.accounts.tenancy import Principal
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.db import RowId, transaction
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.errors import DomainError
from app.http import confirm as confirmation
from app.http.gate import CheckedBeforeBody
from app.http.language import request_language
from app.lectures import (
    access,
    attendance,
    checks,
    gates,
    live,
    phones,
    pings,
    presence,
    scheduling,
)
from app.lectures.dependencies import (
    BroadcasterDep,
    FollowedLecture,
    KeptAttendance,
    LectureDefinition,
    LectureTrainee,
    PingingFollower,
    PresentedLecture,
    ScheduledLecture,
    ViewableLecture,
    followed_rules,
    signed_in_token_hash,
    trust_follower,
    trust_pings_of,
)
from app.lectures.models import Lecture
from app.lectures.schemas import (
    AnswerIn,
    AnswerRead,
    AttendanceSheet,
    ConfirmIn,
    GapDecision,
    GapRead,
    LectureCancel,
    LectureCreate,
    LectureRead,
    LectureUpdate,
    LiveState,
    Ping,
    PingRead,
    PollOpen,
    PollResults,
    RecordVersion,
    Room,
    RosterIn,
    RosterRead,
    RosterSheetIn,
    SlideChange,
)

router = APIRouter(prefix="/api/v1", tags=["lectures"], route_class=CheckedBeforeBody)


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
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    definitions: DefinitionsDep,
    body: LectureCreate,
) -> LectureRead:
    """Schedule a lecture of the course's published revision for one or more cohorts.

    With warnings (lecturer, dates, overlaps, languages), nothing is saved (409, the warnings
    listed) unless ``acknowledge_warnings`` is true; the audit log keeps what was acknowledged.
    """
    definition = courses.get_definition(definitions, body.course)
    lecture = scheduling.schedule(
        session,
        principal,
        definition,
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
        acknowledge_warnings=body.acknowledge_warnings,
    )
    return scheduling.lecture_details(
        session,
        principal,
        lecture,
        checks.warnings_for(session, definition, checks.plan_of(session, lecture)),
        request_language(request),
    )


@router.patch(
    "/lectures/{lecture_id}",
    response_model=LectureRead,
    dependencies=[Depends(require_roles("admin", "staff")), SCHEDULES_LECTURES],
)
def change_lecture(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: ScheduledLecture,
    definition: LectureDefinition,
    body: LectureUpdate,
) -> LectureRead:
    """Edit or reschedule a lecture with a reason (audited); its trainees see the change.

    The time, lecturer, modules and delivery change only before it starts. With warnings,
    nothing is saved (409, the warnings listed) unless ``acknowledge_warnings`` is true.
    """
    fields = body.model_dump(exclude={"reason", "acknowledge_warnings", "interpreters"})
    if body.interpreters is not None:
        fields["interpreters"] = [(i.name, i.language) for i in body.interpreters]
    found = scheduling.change(
        session,
        principal,
        definition,
        lecture,
        reason=body.reason,
        acknowledge_warnings=body.acknowledge_warnings,
        **fields,
    )
    return scheduling.lecture_details(session, principal, lecture, found, request_language(request))


@router.post(
    "/lectures/{lecture_id}/cancel",
    response_model=LectureRead,
    dependencies=[Depends(require_roles("admin", "staff")), SCHEDULES_LECTURES],
    responses={428: {"description": "confirm was not true: nothing was cancelled"}},
)
def cancel_lecture(
    session: SessionDep, principal: PrincipalDep, lecture: ScheduledLecture, body: LectureCancel
) -> LectureRead:
    """Cancel a lecture that has not started, with a reason its trainees read (audited). It
    cannot be taken back, so the caller says ``confirm: true``."""
    confirmation.confirmed(
        session,
        body.confirm,
        lambda: scheduling.cancel(session, principal, lecture, reason=body.reason),
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
    session: SessionDep,
    broadcaster: BroadcasterDep,
    lecture: PresentedLecture,
    body: PollOpen | None = None,
) -> LiveState:
    """Open the quiz slide on screen as a live poll, with a countdown if ``seconds`` is given:
    the server then refuses answers after it and closes the poll by itself."""
    return live.open_poll(session, broadcaster, lecture, seconds=body.seconds if body else None)


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
async def ping(request: Request, follower: PingingFollower, body: Ping) -> PingRead:
    """The trainee's page says it is still there (the server's time is used), or leaving.

    Answered from memory and written with the next flush (``app.lectures.pings``); the
    status is the lecture's as last checked for this page.
    """
    signal = presence.PingSignal(leaving=body.leaving, device=body.device)
    heard = pings.record(request.app.state.engine, follower, signal)
    return PingRead(lecture=follower.lecture_id, status=follower.status, at=heard.at)


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
    settings: SettingsDep,
) -> AttendanceSheet:
    sheet = attendance.attendance_sheet(session, principal, lecture, definition)
    return attendance.with_undo(sheet, settings.undo_confirm_minutes)


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
    pings.flush_pending(session)  # this process's pings, without waiting for the next flush
    people = attendance.trainees(session, principal, lecture)
    return presence.room(session, lecture, people, definition.presence)


@router.post("/lectures/{lecture_id}/confirm", response_model=AttendanceSheet)
def confirm(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    settings: SettingsDep,
    body: ConfirmIn = ConfirmIn(),  # the body may be left out: nothing acknowledged
) -> AttendanceSheet:
    """Confirm the sheet (``confirm: true``, else 428); with shortfalls, only once the lecturer
    acknowledges them (409). It may be undone for a short while (DELETE)."""
    sheet = confirmation.confirmed(
        session,
        body.confirm,
        lambda: attendance.confirm(
            session,
            principal,
            lecture,
            definition,
            acknowledge_shortfalls=body.acknowledge_shortfalls,
        ),
    )
    return attendance.with_undo(sheet, settings.undo_confirm_minutes)


@router.delete(
    "/lectures/{lecture_id}/confirm",
    response_model=AttendanceSheet,
    responses={409: {"description": "too late, or a correction was made since"}},
)
def undo_confirm(
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    settings: SettingsDep,
) -> AttendanceSheet:
    """Take back a confirmation made by mistake, within ``undo_confirm_minutes`` and before
    any correction; the confirmed minutes stay in the history, superseded."""
    return attendance.undo_confirm(
        session,
        principal,
        lecture,
        definition,
        window=timedelta(minutes=settings.undo_confirm_minutes),
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
        trust_pings_of(session, request, lecture)
        principal = request.state.principal
        return live.shared_state(session, lecture), access.may_see_answers(principal)


def _viewable_by_caller(request: Request, session: Session, lecture_id: int) -> Lecture:
    principal = optional_principal(request, session)
    if principal is None:
        raise LoginRequired()
    request.state.principal = principal
    return access.viewable(session, principal, lecture_id)


def _version_if_allowed(request: Request, lecture_id: int) -> int | None:
    """The lecture's state version, or None once the stream's caller is no longer signed in
    or may no longer see the lecture (a trainee's phone: in one statement)."""
    try:
        with transaction(request.app.state.session_factory) as session:
            token = session_token(request)
            if request.state.principal.role == "trainee" and token:
                return access.trainee_still_follows(session, token_hash(token), lecture_id)
            return _viewable_by_caller(request, session, lecture_id).state_version or 0
    except DomainError:
        return None


def _next_check(lecture_id: int, interval: float) -> float:
    """When a stream of this lecture checks next: the same moment for all the lecture's
    streams in this process, so that their checks join one batch (``_checked_version``); the
    lectures' moments are spread over the interval, so that halls do not check all at once."""
    offset = (lecture_id * 0.6180339887) % 1.0 * interval
    now = time.monotonic()
    return now + interval - (now - offset) % interval


# The checks of a hall's open streams, due together: one statement per lecture for the phones
# whose check waits, not one per phone.
_STREAM_CHECKS: gates.Batches[str, int] = gates.Batches(gates.STREAMS)


async def _checked_version(request: Request, lecture_id: int) -> int | None:
    """``_version_if_allowed``, a trainee's asked together with the lecture's other phones."""
    if request.state.principal.role == "trainee":
        hashed = signed_in_token_hash(request)
        if hashed is not None:
            factory = request.app.state.session_factory
            version = await _STREAM_CHECKS.ask(
                (factory, lecture_id),
                hashed,
                functools.partial(_versions_followed, factory, lecture_id),
            )
            if version is not None:
                return version
    # anyone else, or a phone the batch did not find (a refusal is confirmed on its own)
    return await gates.STREAMS.run(_version_if_allowed, request, lecture_id)


def _versions_followed(
    session_factory: sessionmaker[Session], lecture_id: int, token_hashes: list[str]
) -> dict[str, int]:
    with transaction(session_factory) as session:
        return access.versions_followed(session, token_hashes, lecture_id)


def _state_if_allowed(request: Request, lecture_id: int) -> LiveState | None:
    """The lecture's state, or None as ``_version_if_allowed``."""
    try:
        with transaction(request.app.state.session_factory) as session:
            return live.shared_state(session, _viewable_by_caller(request, session, lecture_id))
    except DomainError:
        return None


# The streams of a hall joining at once: one check per lecture for all the phones that wait.
_STREAM_STARTS: gates.Batches[str, tuple[Principal, LiveState, pings.Follower | None]] = (
    gates.Batches(gates.STREAMS)
)


async def stream_start(request: Request, lecture_id: RowId) -> tuple[LiveState, bool]:
    # A dependency, so that 401 and 404 are answered before the stream's 200 starts.
    hashed = signed_in_token_hash(request)
    if hashed is not None:
        state = request.app.state
        found = await _STREAM_STARTS.ask(
            (state.session_factory, lecture_id),
            hashed,
            functools.partial(
                _trainee_streams, state.session_factory, state.definitions, lecture_id
            ),
        )
        if found is not None:  # a trainee of the lecture, checked with the others waiting
            principal, initial, follower = found
            request.state.principal = principal
            if follower is not None:
                trust_follower(request, follower)
            return initial, access.may_see_answers(principal)
    # Anyone else (staff, a presenter, a token, or a refusal to explain): on their own.
    return await gates.STREAMS.run(_initial_state, request, lecture_id)


def _trainee_streams(
    session_factory: sessionmaker[Session],
    definitions: dict[str, CourseDefinition],
    lecture_id: int,
    token_hashes: list[str],
) -> dict[str, tuple[Principal, LiveState, pings.Follower | None]]:
    """``_initial_state`` for the trainees among these login sessions that follow the lecture
    (``access.trainees_following``: the rules ``access.viewable`` applies to a trainee)."""
    with transaction(session_factory) as session:
        found = access.trainees_following(session, token_hashes, lecture_id)
        lecture = session.get(Lecture, lecture_id) if found else None
        if lecture is None:
            return {}
        initial = live.shared_state(session, lecture)
        rules = followed_rules(session, definitions, lecture)
        return {
            token: (
                accounts.principal_of(user),
                initial,
                None
                if rules is None
                else pings.Follower(lecture.id, trainee, lecture.status, rules),
            )
            for token, (trainee, user) in found.items()
        }


class EventStream(StreamingResponse):
    """Server-sent events written straight to the connection: one task per open page, where
    FastAPI's EventSourceResponse runs three with two memory streams between them, and a
    slide change to 1,000 pages spends most of its time passing through them."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], status_code: int = 200) -> None:
        super().__init__(
            content,
            status_code=status_code,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


def _event(data: str) -> bytes:
    return b"event: state\ndata: " + data.encode() + b"\n\n"


# A broadcast is one dict handed to every stream of its lecture in this process: encoded
# once, not once per phone. Each entry holds its message, so an id is not reused meanwhile.
_ENCODED: dict[int, tuple[dict[str, Any], bytes]] = {}


def _encoded(message: dict[str, Any]) -> bytes:
    found = _ENCODED.get(id(message))
    if found is not None and found[0] is message:
        return found[1]
    data = _event(json.dumps(message, separators=(",", ":"), default=str))
    if len(_ENCODED) >= 256:
        _ENCODED.clear()
    _ENCODED[id(message)] = (message, data)
    return data


KEEP_ALIVE = b": keep-alive\n\n"


@router.get(
    "/lectures/{lecture_id}/events",
    response_class=EventStream,
    responses={
        200: {
            "description": "Server-sent events, each a ``state``",
            "content": {
                "text/event-stream": {"itemSchema": {"$ref": "#/components/schemas/LiveState"}}
            },
        }
    },
)
async def lecture_events(
    request: Request,
    lecture_id: RowId,
    start: Annotated[tuple[LiveState, bool], Depends(stream_start)],
) -> EventStream:
    """Server-sent events (``state``): the current state at once, then every change.

    Browsers reconnect on their own after a drop and get the current state again, so a
    phone that lost the network catches up without reloading. Every ``stream_check_seconds``
    the stream checks that the caller's session is still valid (a PIN reset or a logout
    elsewhere revokes it) and ends when it is not; when idle it sends a keep-alive then.
    """
    return EventStream(_events(request, lecture_id, *start))


async def _events(
    request: Request, lecture_id: int, initial: LiveState, sees_answers: bool
) -> AsyncIterator[bytes]:
    hub = request.app.state.broadcaster.hub
    interval = request.app.state.settings.stream_check_seconds
    # A broadcast lost on the way (the LISTEN connection dropped, the process was too busy)
    # is caught by the checks: one that finds the lecture's version ahead of the one shown
    # gives the broadcast ``grace`` seconds more to arrive (under load it is merely late),
    # then reads the state itself. A reconnected LISTEN asks every stream to read it at once.
    grace = min(2.0, 2 * interval)
    shown = initial.version
    expected: tuple[int, float] | None = None  # (a version the database has, read it by then)
    due = _next_check(lecture_id, interval)
    async with hub.subscribe(live.topic(lecture_id)) as queue:
        yield b"retry: 2000\n" + _event(initial.model_dump_json())
        while True:
            until = due if expected is None else min(due, expected[1])
            try:
                # no task per wait, unlike wait_for
                async with asyncio.timeout(max(0.0, until - time.monotonic())):
                    message = await queue.get()
            except TimeoutError:
                message = None
            resync = message is not None and message.get("resync", False)
            if message is not None and not resync:
                heard = message.get("version", shown + 1)
                if heard <= shown:
                    continue  # already shown: a duplicate, or older than what a read found
                shown = heard
                if not message.get("answers") or sees_answers:  # counts are for the presenter
                    yield _encoded(message)
            if expected is not None and shown >= expected[0]:
                expected = None  # it came
            overdue = expected is not None and time.monotonic() >= expected[1]
            if resync or overdue:
                newer = await gates.STREAMS.run(_state_if_allowed, request, lecture_id)
                if newer is None:
                    return
                expected, due = None, _next_check(lecture_id, interval)
                if newer.version > shown:
                    shown = newer.version
                    yield _event(newer.model_dump_json())
                continue
            if time.monotonic() >= due:
                if await request.is_disconnected():
                    return
                version = await _checked_version(request, lecture_id)
                if version is None:
                    return
                due = _next_check(lecture_id, interval)
                if version > shown and expected is None:  # a later check moves no deadline
                    expected = (version, time.monotonic() + grace)
            if message is None and expected is None:
                yield KEEP_ALIVE


# What every phone asks for (its event stream, its pings) is matched first: a request's path is
# tried against the routes in order, some ten microseconds each, and these come by thousands.
PHONES_PATHS = ("/lectures/{lecture_id}/events", "/lectures/{lecture_id}/ping")
router.routes.sort(key=lambda route: getattr(route, "path", "") not in PHONES_PATHS)
