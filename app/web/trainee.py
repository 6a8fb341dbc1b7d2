"""Trainees' phone pages: follow a live lecture, answer its polls, study modules alone.

Every page is in the trainee's language; slides are shown in the trainee's course language
and fall back to the Japanese master, visibly, where the translation is missing or outdated.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app.accounts.dependencies import PrincipalDep
from app.accounts.tenancy import Principal
from app.cohorts.models import Trainee
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.deps import DefinitionsDep, SessionDep
from app.errors import NotFound
from app.lectures import service
from app.lectures.errors import LectureNotFound, NotYourLecture
from app.web.lectures import tokyo
from app.web.pages import render, ui_language

router = APIRouter(include_in_schema=False)


def home_context(
    request: Request,
    session: Session,
    principal: Principal,
    definitions: dict[str, CourseDefinition],
    trainee: Trainee | None,
) -> dict[str, Any]:
    """What the trainee's start page lists: their lectures, modules to study, study time."""
    minutes = service.study_minutes(session, trainee.id) if trainee else {}
    return {
        "lectures": [
            service.lecture_details(session, principal, lecture)
            for lecture in service.list_lectures(session, principal)
        ]
        if trainee
        else [],
        "catalogue": service.study_catalogue(
            session, definitions, trainee.preferred_language if trainee else ui_language(request)
        ),
        "study_minutes": sum(minutes.values()),
        "tokyo": tokyo,
    }


def _not_a_trainee(principal: Principal, lecture_id: int) -> RedirectResponse | None:
    """Staff, lecturers and admins who open a trainee's address get their own page."""
    if principal.role == "trainee":
        return None
    return RedirectResponse(f"/lectures/{lecture_id}", status_code=303)


def _refused(request: Request, failure: NotFound) -> HTMLResponse:
    return render(
        request,
        "trainee/refused.html",
        status_code=failure.status_code,
        message=failure.text(ui_language(request)),
    )


@router.get("/t/lectures/join/{join_code}")
def join(request: Request, session: SessionDep, principal: PrincipalDep, join_code: str) -> Any:
    """Where the lecture's QR code points: signed-out phones go to the PIN login and back."""
    principal.require("trainee")
    try:
        lecture = service.lecture_by_join_code(session, principal, join_code)
    except (NotYourLecture, LectureNotFound) as failure:
        return _refused(request, failure)
    return RedirectResponse(f"/t/lectures/{lecture.id}", status_code=303)


@router.get("/t/lectures/{lecture_id}", response_class=HTMLResponse)
def follow_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lecture_id: int
) -> Any:
    """Follow the lecture on a phone: the slide on screen in the trainee's language, polls."""
    if (redirect := _not_a_trainee(principal, lecture_id)) is not None:
        return redirect
    try:
        view = service.trainee_view(session, principal, lecture_id)
    except NotYourLecture as failure:
        return _refused(request, failure)
    return render(
        request,
        "trainee/lecture.html",
        view=view,
        details=service.lecture_details(session, principal, view["lecture"]),
        tokyo=tokyo,
    )


@router.get("/t/lectures/{lecture_id}/slide", response_class=HTMLResponse)
def follow_slide(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture_id: int,
    module: str | None = None,
    position: int | None = None,
) -> Any:
    """One slide of the lecture in the trainee's language, as HTML for the page's script."""
    principal.require("trainee")
    try:
        view = service.trainee_view(
            session, principal, lecture_id, module=module, position=position
        )
    except NotYourLecture as failure:
        return _refused(request, failure)
    return render(request, "trainee/_slide.html", view=view)


@router.get("/t/study/{course}/{module}", response_class=HTMLResponse)
def study_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    definitions: DefinitionsDep,
    course: str,
    module: str,
) -> Any:
    """A published module to study alone; its quizzes answer right or wrong at once."""
    principal.require("trainee")
    definition = courses.get_definition(definitions, course)
    return render(
        request,
        "trainee/study.html",
        module=service.study_module(session, principal, definition, module),
        definition=definition,
    )
