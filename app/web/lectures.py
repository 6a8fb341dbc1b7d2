"""Staff, lecturers' and admins' lecture pages: schedule, details with the join QR code,
the presenter's screen, and the attendance sheet with its roster controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.accounts.dependencies import PrincipalDep, require_roles
from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.config import Settings
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.errors import DomainError
from app.http import csrf
from app.http.forms import form_data
from app.http.rendering import render, ui_language
from app.i18n import N_
from app.lectures import access, afterwards, attendance, live, scheduling
from app.lectures.dependencies import (
    KeptAttendance,
    LectureDefinition,
    LectureTrainee,
    PresentedLecture,
    ViewableLecture,
)
from app.lectures.errors import InvalidLecture
from app.lectures.models import Lecture
from app.lectures.schemas import (
    AttendeeIn,
    BlockIn,
    GapDecision,
    PollResults,
    RecordedRead,
    RosterSheetMark,
)
from app.study import service as study

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(require_roles("admin", "lecturer", "staff"))]
)

TOKYO = ZoneInfo("Asia/Tokyo")  # lectures are held in Japan; forms and pages use its time
CsrfField = Annotated[str, Form()]


def tokyo(moment: datetime | None) -> datetime | None:
    """A stored (UTC) time as Japan's local time, for showing."""
    return moment.astimezone(TOKYO) if moment is not None else None


def join_url(request: Request, join_code: str) -> str:
    return f"{request.base_url}t/lectures/join/{join_code}"


def _failed(request: Request, session: Session, failure: DomainError) -> str:
    """Undo what the failed call may have flushed (the request would commit it) and say why."""
    session.rollback()
    return failure.text(ui_language(request))


# --- the schedule ----------------------------------------------------------------------


def _schedule_page(
    request: Request,
    session: Session,
    principal: Principal,
    definitions: dict[str, CourseDefinition],
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lectures = [
        scheduling.lecture_details(session, principal, lecture)
        for lecture in scheduling.list_lectures(session, principal)
    ]
    may_schedule = principal.role in ("admin", "staff")
    catalogue = study.catalogue(session, definitions, ui_language(request)) if may_schedule else []
    # A course can be taught once it has a published revision: offer the first such one.
    default_course = catalogue[0].course if catalogue else ""
    return render(
        request,
        "lectures/list.html",
        status_code=status_code,
        lectures=lectures,
        tokyo=tokyo,
        may_schedule=may_schedule,
        definitions=definitions,
        catalogue=catalogue,
        lecturers=scheduling.list_lecturers(session) if may_schedule else [],
        cohorts=cohorts.list_cohorts(session, principal) if may_schedule else [],
        form=form
        or {"course": default_course, "cohort_ids": [], "modules": [], "delivery": "classroom"},
        error=error,
    )


@router.get("/lectures", response_class=HTMLResponse)
def lectures_page(
    request: Request, session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep
) -> Any:
    return _schedule_page(request, session, principal, definitions)


@router.post(
    "/lectures",
    response_class=HTMLResponse,
    dependencies=[Depends(require_roles("admin", "staff"))],
)
def schedule_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    definitions: DefinitionsDep,
    course: Annotated[str, Form(max_length=64)],
    lecturer_id: Annotated[int, Form()],
    day: Annotated[date, Form()],
    start_time: Annotated[time, Form()],
    end_time: Annotated[time, Form()],
    csrf_token: CsrfField = "",
    cohort_ids: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    modules: Annotated[list[str], Form()] = [],  # noqa: B006
    venue: Annotated[str, Form(max_length=300)] = "",
    online_url: Annotated[str, Form(max_length=500)] = "",
    delivery: Annotated[str, Form(max_length=16)] = "classroom",
    interpreter_name: Annotated[list[str], Form()] = [],  # noqa: B006
    interpreter_language: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Any:
    """Schedule a lecture from the form; times are Japan's, stored as UTC."""
    csrf.verify(request, csrf_token)
    # Module boxes of every course are on the form; "LP-02" is sent as "legal-protection/LP-02".
    planned = [value.split("/", 1)[1] for value in modules if value.startswith(f"{course}/")]
    interpreters = [
        (name.strip(), language)
        for name, language in zip(interpreter_name, interpreter_language, strict=False)
        if name.strip()
    ]
    form = {
        "course": course,
        "lecturer_id": lecturer_id,
        "day": day,
        "start_time": start_time,
        "end_time": end_time,
        "cohort_ids": cohort_ids,
        "modules": modules,
        "venue": venue,
        "online_url": online_url,
        "delivery": delivery,
        "interpreters": interpreters,
    }
    try:
        lecture = scheduling.schedule(
            session,
            principal,
            courses.get_definition(definitions, course),
            lecturer_id=lecturer_id,
            cohort_ids=cohort_ids,
            scheduled_start=datetime.combine(day, start_time, tzinfo=TOKYO),
            scheduled_end=datetime.combine(day, end_time, tzinfo=TOKYO),
            modules=planned,
            interpreters=interpreters,
            venue=venue.strip(),
            online_url=online_url.strip(),
            delivery=delivery,
        )
    except DomainError as failure:
        return _schedule_page(
            request,
            session,
            principal,
            definitions,
            form=form,
            error=_failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lectures/{lecture.id}?saved=1", status_code=303)


@router.get("/lectures/{lecture_id}", response_class=HTMLResponse)
def lecture_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lecture: ViewableLecture
) -> Any:
    """A lecture's details and the QR code trainees scan to join it (for the projector)."""
    details = scheduling.lecture_details(session, principal, lecture)
    url = join_url(request, lecture.join_code)
    # segno writes the SVG itself from the URL; nothing user-typed reaches it unescaped.
    qr = Markup(segno.make(url, error="m").svg_inline(scale=6, omitsize=True))
    return render(
        request,
        "lectures/detail.html",
        lecture=details,
        tokyo=tokyo,
        join_url=url,
        qr=qr,
        presenter=access.is_presenter(principal, lecture),
    )


# --- presenting ------------------------------------------------------------------------


@router.get("/lectures/{lecture_id}/present", response_class=HTMLResponse)
def present_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
) -> Any:
    """The presenter's screen (laptop and projector): the lecturer of the lecture or an admin."""
    return render(
        request,
        "lectures/present.html",
        view=live.presenter_view(session, lecture),
        details=scheduling.lecture_details(session, principal, lecture),
        definition=definition,
        tokyo=tokyo,
    )


@router.get("/lectures/{lecture_id}/slide-fragment", response_class=HTMLResponse)
def slide_fragment(
    request: Request,
    session: SessionDep,
    lecture: PresentedLecture,
    definition: LectureDefinition,
    module: str | None = None,
    position: int | None = None,
    language: str | None = None,
) -> Any:
    """The presenter's slide, the next one and the speaker notes, as HTML for the page's script."""
    view = live.presenter_view(
        session, lecture, module=module, position=position, language=language
    )
    return render(request, "lectures/_stage.html", view=view, definition=definition)


def _closed_poll_results(
    session: Session, lecture: Lecture, view: live.PresenterView
) -> PollResults | None:
    """The chart of the poll just closed on the slide on screen (none while it is open)."""
    current = view.current
    if current is None or current.slide.kind != "quiz" or view.state.poll is not None:
        return None
    results = live.poll_results(session, lecture)
    latest = live.latest_poll(session, lecture)
    if results.poll is None or latest is None:
        return None
    if (latest.module_code, latest.position) != (current.module, current.position):
        return None
    return results


@router.get("/lectures/{lecture_id}/audience", response_class=HTMLResponse)
def audience_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lecture: PresentedLecture
) -> Any:
    """The projector's window: the slide alone, the join QR code until the lecture starts."""
    view = live.presenter_view(session, lecture)
    url = join_url(request, lecture.join_code)
    return render(
        request,
        "lectures/audience.html",
        view=view,
        details=scheduling.lecture_details(session, principal, lecture),
        join_url=url,
        qr=Markup(segno.make(url, error="m").svg_inline(scale=6, omitsize=True)),
        results=_closed_poll_results(session, lecture, view),
    )


@router.get("/lectures/{lecture_id}/audience-fragment", response_class=HTMLResponse)
def audience_fragment(
    request: Request,
    session: SessionDep,
    lecture: PresentedLecture,
    module: str | None = None,
    position: int | None = None,
) -> Any:
    """The projector's slide (and a closed poll's chart), as HTML for the window's script."""
    view = live.presenter_view(session, lecture, module=module, position=position)
    return render(
        request,
        "lectures/_audience.html",
        view=view,
        results=_closed_poll_results(session, lecture, view),
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
        sheet=attendance.attendance_sheet(session, principal, lecture, definition),
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
            error=_failed(request, session, failure),
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
) -> Any:
    """Save the whole sheet's marks at once; if one mark is refused, none is saved."""
    csrf.verify(request, str(form.get("csrf_token") or ""))
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
    gap_id: int,
    form: Annotated[FormData, Depends(form_data)],
) -> Any:
    """The lecturer accepts or rejects a bridged gap from the sheet."""
    csrf.verify(request, str(form.get("csrf_token") or ""))
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
) -> Any:
    """The lecturer confirms the sheet of an ended lecture; later changes need a reason.

    The form lists the trainees credited less than was taught; confirming needs the box
    that says the lecturer has checked them."""
    csrf.verify(request, csrf_token)
    return _from_sheet(
        request,
        session,
        principal,
        lecture,
        definition,
        lambda: attendance.confirm(
            session, principal, lecture, definition, acknowledge_shortfalls=acknowledge_shortfalls
        ),
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
    recorded = afterwards.recorded(session, principal, lecture)
    definition = scheduling.definition_of(session, request.app.state.definitions, lecture)
    report = afterwards.latest_report(session, lecture)
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
        meeting=afterwards.meeting_report(
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
        "day": afterwards.lecture_day(lecture),
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
        return datetime.combine(day, time.fromisoformat(value), tzinfo=TOKYO)
    except ValueError:
        raise afterwards.CannotRecord(
            N_("{value} is not a time like 09:15."), value=value
        ) from None


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
    trainee_ids: Annotated[list[int], Form()] = [],  # noqa: B006
    present: Annotated[list[int], Form()] = [],  # noqa: B006
    arrived: Annotated[list[str], Form()] = [],  # noqa: B006
    left: Annotated[list[str], Form()] = [],  # noqa: B006
    venue: Annotated[str | None, Form(max_length=300)] = None,
    lecturer_id: Annotated[int | None, Form()] = None,
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
                raise afterwards.CannotRecord(
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
            error=_failed(request, session, failure),
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
            error=_failed(request, session, failure),
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
    data = file.file.read(afterwards.EVIDENCE_LIMIT_BYTES + 1)
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
        request, session, principal, settings, lecture, file, afterwards.add_scan, "evidence"
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
        request, session, principal, settings, lecture, file, afterwards.import_report, "meeting"
    )


@router.post("/lectures/{lecture_id}/meeting-report/assign", response_class=HTMLResponse)
def assign_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lecture: KeptAttendance,
    evidence_id: Annotated[int, Form()],
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
        lambda: afterwards.assign(
            session,
            principal,
            lecture,
            afterwards.evidence_of(session, lecture, evidence_id),
            blobs_dir=settings.blobs_dir,
            name=name,
            trainee=trainee,
        ),
        "meeting",
    )
