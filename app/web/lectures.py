"""Staff, lecturers' and admins' lecture pages: schedule, details with the join QR code,
the presenter's screen, and the attendance sheet with its roster controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.accounts.dependencies import PrincipalDep, require_roles
from app.accounts.tenancy import Principal
from app.clock import JAPAN
from app.cohorts import service as cohorts
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep
from app.errors import DomainError
from app.http import confirm as confirmation
from app.http import csrf
from app.http.rendering import render, ui_language
from app.i18n import N_, gettext
from app.lectures import access, live, scheduling
from app.lectures.dependencies import (
    LectureDefinition,
    PresentedLecture,
    ScheduledLecture,
    ViewableLecture,
)
from app.lectures.errors import WarningsNotAcknowledged
from app.lectures.models import Lecture
from app.lectures.schemas import (
    PollResults,
    SchedulingWarning,
)
from app.study import service as study
from app.web import paging

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(require_roles("admin", "lecturer", "staff"))]
)

CsrfField = Annotated[str, Form()]


def tokyo(moment: datetime | None) -> datetime | None:
    """A stored (UTC) time as Japan's local time, for showing."""
    return moment.astimezone(JAPAN) if moment is not None else None


def join_url(request: Request, join_code: str) -> str:
    return f"{request.base_url}t/lectures/join/{join_code}"


def failed(request: Request, session: Session, failure: DomainError) -> str:
    """Undo what the failed call may have flushed (the request would commit it) and say why."""
    session.rollback()
    return failure.text(ui_language(request))


def warnings_shown(request: Request, failure: DomainError) -> list[SchedulingWarning]:
    """The warnings a refused save lists on its form (none for other mistakes)."""
    if not isinstance(failure, WarningsNotAcknowledged):
        return []
    language = ui_language(request)
    return [
        SchedulingWarning(code=w.code, message=w.text(language), cohort_id=w.cohort_id)
        for w in failure.warnings
    ]


# --- the schedule ----------------------------------------------------------------------


# The columns the lecture list may be sorted by (no other key is taken).
LECTURE_ORDER: dict[str, Callable[[Lecture], Any]] = {
    "date": lambda lecture: lecture.scheduled_start,
    "title": lambda lecture: lecture.title,
    "venue": lambda lecture: lecture.venue,
    "status": lambda lecture: lecture.status,
}


def _schedule_page(
    request: Request,
    session: Session,
    principal: Principal,
    definitions: dict[str, CourseDefinition],
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    warnings: list[SchedulingWarning] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    # Search and page on the lecture rows; only the page's lectures are looked up in detail.
    q = paging.query_text(request.query_params.get("q"))
    found = paging.filtered(
        scheduling.list_lectures(session, principal),
        q,
        lambda lecture: (
            lecture.title,
            lecture.venue,
            lecture.status,
            f"{tokyo(lecture.scheduled_start):%Y-%m-%d}",
        ),
    )
    order = paging.sorting(request, LECTURE_ORDER, "date", descending=True)
    paged = paging.paginate(request, paging.sort_items(found, order, LECTURE_ORDER), q)
    lectures = [scheduling.lecture_details(session, principal, lecture) for lecture in paged.items]
    may_schedule = principal.role in ("admin", "staff")
    catalogue = study.catalogue(session, definitions, ui_language(request)) if may_schedule else []
    # A course can be taught once it has a published revision: offer the first such one.
    default_course = catalogue[0].course if catalogue else ""
    return render(
        request,
        "lectures/list.html",
        status_code=status_code,
        lectures=lectures,
        paged=paged,
        q=q,
        order=order,
        tokyo=tokyo,
        may_schedule=may_schedule,
        definitions=definitions,
        catalogue=catalogue,
        lecturers=scheduling.list_lecturers(session) if may_schedule else [],
        cohorts=cohorts.list_cohorts(session, principal) if may_schedule else [],
        form=form
        or {"course": default_course, "cohort_ids": [], "modules": [], "delivery": "classroom"},
        error=error,
        warnings=warnings or [],
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
    lecturer_id: Annotated[RowId, Form()],
    day: Annotated[date, Form()],
    start_time: Annotated[time, Form()],
    end_time: Annotated[time, Form()],
    csrf_token: CsrfField = "",
    cohort_ids: Annotated[list[RowId], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    modules: Annotated[list[str], Form()] = [],  # noqa: B006
    venue: Annotated[str, Form(max_length=300)] = "",
    online_url: Annotated[str, Form(max_length=500)] = "",
    delivery: Annotated[str, Form(max_length=16)] = "classroom",
    interpreter_name: Annotated[list[str], Form()] = [],  # noqa: B006
    interpreter_language: Annotated[list[str], Form()] = [],  # noqa: B006
    acknowledge_warnings: Annotated[bool, Form()] = False,
) -> Any:
    """Schedule a lecture from the form; times are Japan's, stored as UTC. Warnings come back
    on the form, and the lecture is saved only once their box is checked."""
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
            scheduled_start=datetime.combine(day, start_time, tzinfo=JAPAN),
            scheduled_end=datetime.combine(day, end_time, tzinfo=JAPAN),
            modules=planned,
            interpreters=interpreters,
            venue=venue.strip(),
            online_url=online_url.strip(),
            delivery=delivery,
            acknowledge_warnings=acknowledge_warnings,
        )
    except DomainError as failure:
        return _schedule_page(
            request,
            session,
            principal,
            definitions,
            form=form,
            error=failed(request, session, failure),
            warnings=warnings_shown(request, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lectures/{lecture.id}?saved=1", status_code=303)


def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    lecture: Lecture,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    warnings: list[SchedulingWarning] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    details = scheduling.lecture_details(session, principal, lecture)
    url = join_url(request, lecture.join_code)
    # segno writes the SVG itself from the URL; nothing user-typed reaches it unescaped.
    qr = Markup(segno.make(url, error="m").svg_inline(scale=6, omitsize=True))
    may_change = principal.role in ("admin", "staff") and lecture.status != "cancelled"
    if may_change:
        try:
            access.require_scheduler(session, principal, lecture)
        except DomainError:
            may_change = False
    start, end = tokyo(lecture.scheduled_start), tokyo(lecture.scheduled_end)
    return render(
        request,
        "lectures/detail.html",
        status_code=status_code,
        lecture=details,
        tokyo=tokyo,
        join_url=url,
        qr=qr,
        presenter=access.is_presenter(principal, lecture),
        may_change=may_change,
        lecturers=scheduling.list_lecturers(session) if may_change else [],
        form=form
        or {
            "lecturer_id": lecture.lecturer_id,
            "day": start.date() if start else None,
            "start_time": start.time() if start else None,
            "end_time": end.time() if end else None,
            "venue": lecture.venue,
            "reason": "",
        },
        error=error,
        warnings=warnings or [],
    )


@router.get("/lectures/{lecture_id}", response_class=HTMLResponse)
def lecture_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lecture: ViewableLecture
) -> Any:
    """A lecture's details and the QR code trainees scan to join it (for the projector); for
    staff and admins, the forms that move, change or cancel it."""
    return _detail_page(request, session, principal, lecture)


@router.post(
    "/lectures/{lecture_id}/change",
    response_class=HTMLResponse,
    dependencies=[Depends(require_roles("admin", "staff"))],
)
def change_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: ScheduledLecture,
    definition: LectureDefinition,
    lecturer_id: Annotated[RowId, Form()],
    day: Annotated[date, Form()],
    start_time: Annotated[time, Form()],
    end_time: Annotated[time, Form()],
    reason: Annotated[str, Form(max_length=500)],
    csrf_token: CsrfField = "",
    venue: Annotated[str, Form(max_length=300)] = "",
    acknowledge_warnings: Annotated[bool, Form()] = False,
) -> Any:
    """Move or change a lecture from its page, with a reason; warnings come back on the form."""
    csrf.verify(request, csrf_token)
    form = {
        "lecturer_id": lecturer_id,
        "day": day,
        "start_time": start_time,
        "end_time": end_time,
        "venue": venue,
        "reason": reason,
    }
    try:
        scheduling.change(
            session,
            principal,
            definition,
            lecture,
            reason=reason,
            acknowledge_warnings=acknowledge_warnings,
            lecturer_id=lecturer_id,
            scheduled_start=datetime.combine(day, start_time, tzinfo=JAPAN),
            scheduled_end=datetime.combine(day, end_time, tzinfo=JAPAN),
            venue=venue.strip(),
        )
    except DomainError as failure:
        return _detail_page(
            request,
            session,
            principal,
            lecture,
            form=form,
            error=failed(request, session, failure),
            warnings=warnings_shown(request, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lectures/{lecture.id}?saved=1", status_code=303)


@router.post(
    "/lectures/{lecture_id}/cancel",
    response_class=HTMLResponse,
    dependencies=[Depends(require_roles("admin", "staff"))],
)
def cancel_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture: ScheduledLecture,
    reason: Annotated[str, Form(max_length=500)],
    csrf_token: CsrfField = "",
    confirm: confirmation.ConfirmField = False,
) -> Any:
    """Cancel a lecture that has not started, with a reason its trainees read, after the
    confirmation page has said what that means."""
    csrf.verify(request, csrf_token)
    page = f"/lectures/{lecture.id}"

    def cancel() -> None:
        scheduling.cancel(session, principal, lecture, reason=reason)

    language = ui_language(request)
    try:
        question = confirmation.asked_first(
            session,
            confirm,
            cancel,
            lambda: confirmation.ask(
                request,
                title=gettext(language, N_("Cancel the lecture {title}?"), title=lecture.title),
                consequences=[
                    gettext(
                        language,
                        N_("Its trainees are told it is cancelled, with this reason: {reason}"),
                        reason=reason,
                    ),
                    gettext(language, N_("A cancelled lecture cannot be started or restored.")),
                ],
                action=f"{page}/cancel",
                back=page,
                button=gettext(language, N_("Cancel the lecture")),
                fields={"reason": reason},
            ),
        )
    except DomainError as failure:
        return _detail_page(
            request,
            session,
            principal,
            lecture,
            error=failed(request, session, failure),
            status_code=failure.status_code,
        )
    return question or RedirectResponse(f"/lectures/{lecture.id}?saved=1", status_code=303)


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
    position: RowId | None = None,
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
    position: RowId | None = None,
) -> Any:
    """The projector's slide (and a closed poll's chart), as HTML for the window's script."""
    view = live.presenter_view(session, lecture, module=module, position=position)
    return render(
        request,
        "lectures/_audience.html",
        view=view,
        results=_closed_poll_results(session, lecture, view),
    )
