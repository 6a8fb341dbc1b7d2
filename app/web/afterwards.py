"""Recording a lecture afterwards: the blocks as held, the paper sheet, its scan, and a video
meeting's participants report with the names left to assign."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app.accounts.dependencies import PrincipalDep, require_roles
from app.accounts.tenancy import Principal
from app.clock import JAPAN
from app.config import Settings
from app.db import RowId
from app.deps import SessionDep, SettingsDep
from app.errors import DomainError
from app.http import csrf
from app.http.gate import CheckedBeforeBody
from app.http.rendering import render, ui_language
from app.i18n import N_
from app.lectures import afterwards, attendance, evidence, scheduling
from app.lectures.dependencies import (
    KeptAttendance,
)
from app.lectures.errors import CannotRecord
from app.lectures.models import Lecture
from app.lectures.schemas import (
    AttendeeIn,
    BlockIn,
    RecordedRead,
)
from app.web.lectures import CsrfField, failed, tokyo

router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(require_roles("admin", "lecturer", "staff"))],
    route_class=CheckedBeforeBody,  # the scan and the meeting report: refused before reading
)


# --- recording a lecture afterwards: blocks, the sheet, its scan, a meeting's report --------


def _recorded_page(
    request: Request,
    session: Session,
    principal: Principal,
    settings: Settings,
    lecture: Lecture,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    recorded = evidence.recorded(session, principal, lecture)
    definition = scheduling.definition_of(session, request.app.state.definitions, lecture)
    report = evidence.latest_report(session, lecture)
    trainees = attendance.trainees(session, principal, lecture)
    return render(
        request,
        "lectures/afterwards.html",
        status_code=status_code,
        lecture=scheduling.lecture_details(session, principal, lecture),
        definition=definition,
        recorded=recorded,
        may_record=afterwards.may_record(lecture),
        with_blocks=lecture.recorded_via != "live" or lecture.status == "scheduled",
        modules=afterwards.module_choices(session, lecture, ui_language(request)),
        trainees=trainees,
        lecturers=scheduling.list_lecturers(session) if principal.role != "lecturer" else [],
        meeting=evidence.meeting_report(
            session, principal, lecture, report, blobs_dir=settings.blobs_dir
        )
        if report is not None
        else None,
        form=form or _recorded_form(lecture, recorded, trainees),
        tokyo=tokyo,
        error=error,
    )


def _recorded_form(lecture: Lecture, recorded: RecordedRead, trainees: list[Any]) -> dict[str, Any]:
    """What the form shows first: the blocks and stays recorded so far, else every trainee
    present for the whole lecture."""
    stays = {a.trainee_id: a for a in recorded.attendees if a.source == "paper"}
    return {
        "via": lecture.recorded_via if lecture.recorded_via != "live" else "paper",
        "day": evidence.lecture_day(lecture),
        "blocks": [
            (tokyo(b.start).strftime("%H:%M"), tokyo(b.end).strftime("%H:%M"), b.modules)  # type: ignore[union-attr]
            for b in recorded.blocks
        ],
        "present": [t.id for t in trainees] if not recorded.attendees else list(stays),
        "arrived": {
            tid: tokyo(a.stays[0].start).strftime("%H:%M")  # type: ignore[union-attr]
            for tid, a in stays.items()
        },
        "left": {
            tid: tokyo(a.stays[-1].end).strftime("%H:%M")  # type: ignore[union-attr]
            for tid, a in stays.items()
        },
        "venue": lecture.venue,
        "lecturer_id": lecture.lecturer_id,
    }


def _at(day: date, value: str) -> datetime | None:
    """A time typed on the form (HH:MM, Japan) on the lecture's day; None when left blank."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.combine(day, time.fromisoformat(value), tzinfo=JAPAN)
    except ValueError:
        raise CannotRecord(N_("{value} is not a time like 09:15."), value=value) from None


@router.get("/lectures/{lecture_id}/recorded", response_class=HTMLResponse)
def recorded_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
) -> Any:
    """Record a lecture held on paper or over a video meeting, or complete an ended one."""
    return _recorded_page(request, session, principal, settings, lecture)


@router.post("/lectures/{lecture_id}/recorded", response_class=HTMLResponse)
def recorded_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    day: Annotated[date, Form()],
    csrf_token: CsrfField = "",
    via: Annotated[str, Form(max_length=16)] = "paper",
    block_start: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    block_end: Annotated[list[str], Form()] = [],  # noqa: B006
    block_modules: Annotated[list[str], Form()] = [],  # noqa: B006
    trainee_ids: Annotated[list[RowId], Form()] = [],  # noqa: B006
    present: Annotated[list[RowId], Form()] = [],  # noqa: B006
    arrived: Annotated[list[str], Form()] = [],  # noqa: B006
    left: Annotated[list[str], Form()] = [],  # noqa: B006
    venue: Annotated[str | None, Form(max_length=300)] = None,
    lecturer_id: Annotated[RowId | None, Form()] = None,
) -> Any:
    """The form's blocks (rows left blank are skipped) and the sheet: a box per trainee, with
    arrival and leaving times left blank for the whole lecture."""
    csrf.verify(request, csrf_token)
    # A block's module boxes are sent as "2/LP-03": block 2, module LP-03.
    chosen: dict[int, list[str]] = {}
    for value in block_modules:
        index, _, code = value.partition("/")
        if index.isdigit():
            chosen.setdefault(int(index), []).append(code)
    form = {
        "via": via,
        "day": day,
        "blocks": list(
            zip(
                block_start,
                block_end,
                [chosen.get(i, []) for i in range(len(block_start))],
                strict=False,
            )
        ),
        "present": present,
        "arrived": dict(zip(trainee_ids, arrived, strict=False)),
        "left": dict(zip(trainee_ids, left, strict=False)),
        "venue": venue,
        "lecturer_id": lecturer_id,
    }
    try:
        blocks = []
        for index, (start, end) in enumerate(zip(block_start, block_end, strict=False)):
            begins, ends = _at(day, start), _at(day, end)
            if begins is None and ends is None and not chosen.get(index):
                continue  # an empty row of the form
            if begins is None or ends is None:
                raise CannotRecord(
                    N_("Block {number} needs a start and an end time."), number=len(blocks) + 1
                )
            blocks.append(BlockIn(modules=chosen.get(index, []), start=begins, end=ends))
        attendees = [
            AttendeeIn(
                trainee_id=trainee_id,
                arrived=_at(day, form["arrived"].get(trainee_id, "")),
                left=_at(day, form["left"].get(trainee_id, "")),
            )
            for trainee_id in trainee_ids
            if trainee_id in present and via != "meeting"  # a meeting's come from its report
        ]
        afterwards.record(
            session,
            principal,
            lecture,
            via="meeting" if via == "meeting" else "paper",
            blocks=blocks,
            attendees=attendees,
            lecturer_id=lecturer_id,
            venue=venue,
        )
    except DomainError as failure:
        return _recorded_page(
            request,
            session,
            principal,
            settings,
            lecture,
            form=form,
            error=failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lectures/{lecture.id}/recorded?saved=1", status_code=303)


def _evidence_step(
    request: Request,
    session: Session,
    principal: Principal,
    settings: Settings,
    lecture: Lecture,
    step: Any,
    anchor: str,
) -> Any:
    """Run one upload or assignment; the page again with the reason when it is refused."""
    try:
        step()
    except DomainError as failure:
        return _recorded_page(
            request,
            session,
            principal,
            settings,
            lecture,
            error=failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lectures/{lecture.id}/recorded?saved=1#{anchor}", status_code=303)


def _upload_step(
    request: Request,
    session: Session,
    principal: Principal,
    settings: Settings,
    lecture: Lecture,
    file: UploadFile,
    store: Any,
    anchor: str,
) -> Any:
    """Keep an uploaded sheet's scan or meeting report through ``store`` (one past the limit
    at most is read, so the service can refuse it)."""
    data = file.file.read(evidence.EVIDENCE_LIMIT_BYTES + 1)
    return _evidence_step(
        request,
        session,
        principal,
        settings,
        lecture,
        lambda: store(
            session,
            principal,
            lecture,
            blobs_dir=settings.blobs_dir,
            data=data,
            filename=file.filename or "",
        ),
        anchor,
    )


@router.post("/lectures/{lecture_id}/evidence", response_class=HTMLResponse)
def evidence_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    file: Annotated[UploadFile, File()],
    csrf_token: CsrfField = "",
) -> Any:
    """Keep the scan or photo of the signed sheet."""
    csrf.verify(request, csrf_token)
    return _upload_step(
        request, session, principal, settings, lecture, file, evidence.add_scan, "evidence"
    )


@router.post("/lectures/{lecture_id}/meeting-report", response_class=HTMLResponse)
def meeting_report_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    file: Annotated[UploadFile, File()],
    csrf_token: CsrfField = "",
) -> Any:
    """Import a meeting's participants report; the names that fit nobody are listed."""
    csrf.verify(request, csrf_token)
    return _upload_step(
        request, session, principal, settings, lecture, file, evidence.import_report, "meeting"
    )


@router.post("/lectures/{lecture_id}/meeting-report/assign", response_class=HTMLResponse)
def assign_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    evidence_id: Annotated[RowId, Form()],
    name: Annotated[str, Form(max_length=300)],
    csrf_token: CsrfField = "",
    trainee_id: Annotated[str, Form(max_length=20)] = "",
) -> Any:
    """Count a report's name for the chosen trainee, or (none chosen) leave it out."""
    csrf.verify(request, csrf_token)
    trainee = (
        attendance.lecture_trainee(session, principal, lecture, int(trainee_id))
        if trainee_id.strip().isdigit()
        else None
    )
    return _evidence_step(
        request,
        session,
        principal,
        settings,
        lecture,
        lambda: evidence.assign(
            session,
            principal,
            lecture,
            evidence.evidence_of(session, lecture, evidence_id),
            blobs_dir=settings.blobs_dir,
            name=name,
            trainee=trainee,
        ),
        "meeting",
    )
