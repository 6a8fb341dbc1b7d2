"""The lectures JSON API: schedule, present, follow (server-sent events), attend, answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.accounts.dependencies import PrincipalDep, optional_principal
from app.accounts.errors import LoginRequired
from app.courses import service as courses
from app.courses.models import Course
from app.db import transaction
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.lectures import service
from app.lectures.broadcast import Broadcaster
from app.lectures.schemas import AnswerIn, LectureCreate, Ping, RosterIn, SlideChange, StudyAnswerIn

router = APIRouter(prefix="/api/v1", tags=["lectures"])
HEARTBEAT_SECONDS = 15.0


async def get_broadcaster(request: Request) -> Broadcaster:
    return request.app.state.broadcaster  # type: ignore[no-any-return]


BroadcasterDep = Annotated[Broadcaster, Depends(get_broadcaster)]


def gap_limit(settings: Any) -> timedelta:
    return timedelta(seconds=settings.presence_gap_seconds)


@router.get("/lectures")
def list_lectures(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return [
        service.lecture_details(session, principal, lecture)
        for lecture in service.list_lectures(session, principal)
    ]


@router.post("/lectures", status_code=201)
def schedule_lecture(
    session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep, body: LectureCreate
) -> dict[str, Any]:
    """Schedule a lecture of the course's published revision for one or more cohorts."""
    lecture = service.schedule(
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
    return service.lecture_details(session, principal, lecture)


@router.get("/lectures/{lecture_id}")
def get_lecture(session: SessionDep, principal: PrincipalDep, lecture_id: int) -> dict[str, Any]:
    return service.lecture_details(
        session, principal, service.get_lecture(session, principal, lecture_id)
    )


@router.get("/lectures/{lecture_id}/state")
def lecture_state(session: SessionDep, principal: PrincipalDep, lecture_id: int) -> dict[str, Any]:
    return service.state(session, service.get_lecture(session, principal, lecture_id))


@router.post("/lectures/{lecture_id}/start")
def start(
    session: SessionDep, principal: PrincipalDep, broadcaster: BroadcasterDep, lecture_id: int
) -> dict[str, Any]:
    return service.start(session, broadcaster, principal, lecture_id)


@router.post("/lectures/{lecture_id}/slide")
def change_slide(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture_id: int,
    body: SlideChange,
) -> dict[str, Any]:
    """Show a given slide, or step forward (+1) or back (-1); recorded at the server's time."""
    return service.go_to(
        session,
        broadcaster,
        principal,
        lecture_id,
        module=body.module,
        position=body.position,
        step=body.step,
    )


@router.post("/lectures/{lecture_id}/pause")
def pause(
    session: SessionDep, principal: PrincipalDep, broadcaster: BroadcasterDep, lecture_id: int
) -> dict[str, Any]:
    return service.pause(session, broadcaster, principal, lecture_id)


@router.post("/lectures/{lecture_id}/resume")
def resume(
    session: SessionDep, principal: PrincipalDep, broadcaster: BroadcasterDep, lecture_id: int
) -> dict[str, Any]:
    return service.resume(session, broadcaster, principal, lecture_id)


@router.post("/lectures/{lecture_id}/end")
def end(
    session: SessionDep, principal: PrincipalDep, broadcaster: BroadcasterDep, lecture_id: int
) -> dict[str, Any]:
    return service.end(session, broadcaster, principal, lecture_id)


@router.post("/lectures/{lecture_id}/poll")
def open_poll(
    session: SessionDep, principal: PrincipalDep, broadcaster: BroadcasterDep, lecture_id: int
) -> dict[str, Any]:
    """Open the quiz slide on screen as a live poll."""
    return service.open_poll(session, broadcaster, principal, lecture_id)


@router.delete("/lectures/{lecture_id}/poll")
def close_poll(
    session: SessionDep, principal: PrincipalDep, broadcaster: BroadcasterDep, lecture_id: int
) -> dict[str, Any]:
    return service.close_poll(session, broadcaster, principal, lecture_id)


@router.get("/lectures/{lecture_id}/poll/results")
def poll_results(session: SessionDep, principal: PrincipalDep, lecture_id: int) -> dict[str, Any]:
    return service.poll_results(session, principal, lecture_id)


@router.post("/lectures/{lecture_id}/answers", status_code=201)
def answer(
    session: SessionDep,
    principal: PrincipalDep,
    broadcaster: BroadcasterDep,
    lecture_id: int,
    body: AnswerIn,
) -> dict[str, Any]:
    """A trainee's answer to the open poll; a second answer or a late one is refused."""
    return service.answer(
        session, broadcaster, principal, lecture_id, poll_id=body.poll_id, choice=body.choice
    )


@router.post("/lectures/{lecture_id}/ping")
def ping(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, lecture_id: int, body: Ping
) -> dict[str, Any]:
    """The trainee's open, visible page says it is still there (the server's time is used)."""
    return service.ping(
        session, principal, lecture_id, gap_limit=gap_limit(settings), leaving=body.leaving
    )


@router.get("/lectures/{lecture_id}/attendance")
def attendance(
    session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep, lecture_id: int
) -> dict[str, Any]:
    lecture = service.get_lecture(session, principal, lecture_id)
    return service.attendance_sheet(
        session, principal, lecture_id, _definition_of(session, definitions, lecture)
    )


@router.put("/lectures/{lecture_id}/roster/{trainee_id}")
def set_roster(
    session: SessionDep, principal: PrincipalDep, lecture_id: int, trainee_id: int, body: RosterIn
) -> dict[str, Any]:
    """Mark a trainee without a phone: present, late, left early or absent (audited)."""
    entry = service.set_roster(
        session,
        principal,
        lecture_id,
        trainee_id,
        status=body.status,
        minutes=body.minutes,
        reason=body.reason,
    )
    return {
        "id": entry.id,
        "status": entry.status,
        "minutes": entry.minutes,
        "reason": entry.reason,
    }


@router.post("/lectures/{lecture_id}/confirm")
def confirm(
    session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep, lecture_id: int
) -> dict[str, Any]:
    lecture = service.get_lecture(session, principal, lecture_id)
    return service.confirm(
        session, principal, lecture_id, _definition_of(session, definitions, lecture)
    )


@router.get("/lectures/{lecture_id}/attendance/{trainee_id}/history")
def attendance_history(
    session: SessionDep, principal: PrincipalDep, lecture_id: int, trainee_id: int
) -> list[dict[str, Any]]:
    """Every version of a trainee's confirmed minutes, corrections and their reasons included."""
    return [
        {
            "minutes": r.minutes_by_area,
            "source": r.source,
            "reason": r.reason,
            "recorded_at": r.recorded_at,
            "superseded_at": r.superseded_at,
        }
        for r in service.record_history(session, principal, lecture_id, trainee_id)
    ]


@router.post("/study/{course}/modules/{code}/ping")
def study_ping(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    definitions: DefinitionsDep,
    course: str,
    code: str,
) -> dict[str, Any]:
    return service.study_ping(
        session,
        principal,
        courses.get_definition(definitions, course),
        code,
        gap_limit=gap_limit(settings),
    )


@router.post("/study/{course}/modules/{code}/quiz/{position}")
def study_answer(
    session: SessionDep,
    principal: PrincipalDep,
    definitions: DefinitionsDep,
    course: str,
    code: str,
    position: int,
    body: StudyAnswerIn,
) -> dict[str, Any]:
    return service.study_answer(
        session, principal, courses.get_definition(definitions, course), code, position, body.choice
    )


def _definition_of(session: Any, definitions: Any, lecture: Any) -> Any:
    course = session.get(Course, lecture.course_id)
    return courses.get_definition(definitions, course.code)


def _initial_state(request: Request, lecture_id: int) -> tuple[dict[str, Any], bool]:
    """The lecture's state for a new stream, and whether the caller sees answer updates.

    Uses a short-lived session of its own: a session dependency would hold a database
    connection for as long as the stream stays open, and 200 phones would empty the pool.
    """
    with transaction(request.app.state.session_factory) as session:
        principal = optional_principal(request, session)
        if principal is None:
            raise LoginRequired()
        lecture = service.get_lecture(session, principal, lecture_id)
        return service.state(session, lecture), principal.role != "trainee"


def _sse(message: dict[str, Any]) -> str:
    return f"event: state\ndata: {json.dumps(message, separators=(',', ':'), default=str)}\n\n"


@router.get("/lectures/{lecture_id}/events")
async def lecture_events(request: Request, lecture_id: int) -> StreamingResponse:
    """Server-sent events: the current state at once, then every change within a moment.

    Browsers reconnect on their own after a drop and get the current state again, so a
    phone that lost the network catches up without reloading.
    """
    initial, sees_answers = await run_in_threadpool(_initial_state, request, lecture_id)
    hub = request.app.state.broadcaster.hub

    async def stream() -> AsyncIterator[str]:
        async with hub.subscribe(service.topic(lecture_id)) as queue:
            yield "retry: 2000\n" + _sse(initial)
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                if message.get("answers") and not sees_answers:
                    continue  # answer counts are for the presenter, not for 200 phones
                yield _sse(message)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
