"""The attendance sheet's pages: minutes per area, how each trainee attended, marks by hand,
bridged gaps, confirmation and the history of corrections."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.accounts.dependencies import PrincipalDep, require_roles
from app.accounts.tenancy import Principal
from app.courses.definitions import CourseDefinition
from app.db import RowId
from app.deps import SessionDep
from app.errors import DomainError
from app.http import confirm as confirmation
from app.http import csrf
from app.http.forms import form_data
from app.http.rendering import render
from app.i18n import N_
from app.lectures import access, attendance, scheduling
from app.lectures.dependencies import (
    KeptAttendance,
    LectureDefinition,
    LectureTrainee,
    PresentedLecture,
)
from app.lectures.errors import InvalidLecture
from app.lectures.models import Lecture
from app.lectures.schemas import (
    GapDecision,
    RosterSheetMark,
)
from app.web.lectures import CsrfField, failed, tokyo

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(require_roles("admin", "lecturer", "staff"))]
)


# --- attendance ------------------------------------------------------------------------


def _attendance_page(
    request: Request,
    session: Session,
    principal: Principal,
    lecture: Lecture,
    definition: CourseDefinition,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "lectures/attendance.html",
        status_code=status_code,
        lecture=scheduling.lecture_details(session, principal, lecture),
        sheet=attendance.with_undo(
            attendance.attendance_sheet(session, principal, lecture, definition),
            request.app.state.settings.undo_confirm_minutes,
        ),
        definition=definition,
        statuses=attendance.ROSTER_STATUSES,
        presenter=access.is_presenter(principal, lecture),
        tokyo=tokyo,
        error=error,
    )


@router.get("/lectures/{lecture_id}/attendance", response_class=HTMLResponse)
def attendance_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    definition: LectureDefinition,
) -> Any:
    """Trainees × statutory areas in minutes, where they came from, and the roster controls."""
    return _attendance_page(request, session, principal, lecture, definition)


def _from_sheet(
    request: Request,
    session: Session,
    principal: Principal,
    lecture: Lecture,
    definition: CourseDefinition,
    change: Callable[[], object],
    anchor: str = "",
) -> Any:
    """Run a change posted from the sheet: back to the sheet, or the sheet with the reason."""
    try:
        change()
    except DomainError as failure:
        return _attendance_page(
            request,
            session,
            principal,
            lecture,
            definition,
            error=failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lectures/{lecture.id}/attendance?saved=1{anchor}", status_code=303)


def _sheet_marks(form: FormData) -> list[RosterSheetMark]:
    """The rows of the sheet's form that have a mark chosen ("no mark" rows are left alone)."""
    try:
        return [
            RosterSheetMark(
                trainee_id=int(trainee_id),
                status=str(form.get(f"status-{trainee_id}")),
                minutes=int(str(form.get(f"minutes-{trainee_id}") or 0)),
                reason=str(form.get(f"reason-{trainee_id}") or ""),
            )
            for trainee_id in form.getlist("trainee")
            if str(trainee_id).isdigit() and form.get(f"status-{trainee_id}")
        ]
    except (ValueError, ValidationError) as failure:
        raise InvalidLecture(reason=N_("unknown attendance status.")) from failure


@router.post("/lectures/{lecture_id}/roster", response_class=HTMLResponse)
def roster_sheet_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    definition: LectureDefinition,
    form: Annotated[FormData, Depends(form_data)],
    csrf_token: CsrfField = "",
) -> Any:
    """Save the whole sheet's marks at once; if one mark is refused, none is saved."""
    csrf.verify(request, csrf_token)
    return _from_sheet(
        request,
        session,
        principal,
        lecture,
        definition,
        lambda: attendance.set_roster_sheet(session, principal, lecture, _sheet_marks(form)),
    )


@router.post("/lectures/{lecture_id}/gaps/{gap_id}", response_class=HTMLResponse)
def gap_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    gap_id: RowId,
    form: Annotated[FormData, Depends(form_data)],
    csrf_token: CsrfField = "",
) -> Any:
    """The lecturer accepts or rejects a bridged gap from the sheet."""
    csrf.verify(request, csrf_token)
    try:
        decision = GapDecision.model_validate(
            {"status": form.get("decision"), "reason": form.get("gap_reason") or ""}
        )
    except ValidationError as failure:
        raise InvalidLecture(reason=N_("unknown attendance status.")) from failure
    return _from_sheet(
        request,
        session,
        principal,
        lecture,
        definition,
        lambda: attendance.decide_gap(
            session, principal, lecture, gap_id, status=decision.status, reason=decision.reason
        ),
    )


@router.post("/lectures/{lecture_id}/roster/{trainee_id}", response_class=HTMLResponse)
def roster_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    trainee: LectureTrainee,
    definition: LectureDefinition,
    status: Annotated[str, Form(max_length=16)],
    csrf_token: CsrfField = "",
    minutes: Annotated[int, Form(ge=0, le=1440)] = 0,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    """Mark one trainee by hand (present, late, left early, absent); audited, kept when changed."""
    csrf.verify(request, csrf_token)
    return _from_sheet(
        request,
        session,
        principal,
        lecture,
        definition,
        lambda: attendance.set_roster(
            session, principal, lecture, trainee, status=status, minutes=minutes, reason=reason
        ),
        anchor=f"#trainee-{trainee.id}",
    )


@router.post("/lectures/{lecture_id}/confirm", response_class=HTMLResponse)
def confirm_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    csrf_token: CsrfField = "",
    acknowledge_shortfalls: Annotated[bool, Form()] = False,
    confirm: confirmation.ConfirmField = False,
) -> Any:
    """The lecturer confirms the sheet of an ended lecture; later changes need a reason.

    The form lists the trainees credited less than was taught; confirming needs the box
    that says the lecturer has checked them, and the box that says they mean it."""
    csrf.verify(request, csrf_token)

    def confirm_sheet() -> object:
        return confirmation.confirmed(
            session,
            confirm,
            lambda: attendance.confirm(
                session,
                principal,
                lecture,
                definition,
                acknowledge_shortfalls=acknowledge_shortfalls,
            ),
        )

    return _from_sheet(request, session, principal, lecture, definition, confirm_sheet)


@router.post("/lectures/{lecture_id}/unconfirm", response_class=HTMLResponse)
def undo_confirm_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    csrf_token: CsrfField = "",
) -> Any:
    """Take back a confirmation made by mistake, shortly after and before any correction."""
    csrf.verify(request, csrf_token)
    window = timedelta(minutes=request.app.state.settings.undo_confirm_minutes)
    return _from_sheet(
        request,
        session,
        principal,
        lecture,
        definition,
        lambda: attendance.undo_confirm(session, principal, lecture, definition, window=window),
    )


@router.get("/lectures/{lecture_id}/attendance/{trainee_id}/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: KeptAttendance,
    trainee: LectureTrainee,
    definition: LectureDefinition,
) -> Any:
    """Every version of a trainee's confirmed minutes, with the reason for each change."""
    return render(
        request,
        "lectures/history.html",
        lecture=scheduling.lecture_details(session, principal, lecture),
        records=attendance.record_history(session, lecture, trainee),
        trainee=trainee,
        definition=definition,
        tokyo=tokyo,
    )
