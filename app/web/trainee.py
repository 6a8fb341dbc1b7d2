"""Trainees' phone pages: follow a live lecture, answer its polls, study modules alone.

Every page is in the trainee's language; slides are shown in the trainee's course language
and fall back to the Japanese master, visibly, where the translation is missing or outdated.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app.accounts.dependencies import PrincipalDep, require_roles
from app.accounts.tenancy import Principal
from app.cohorts import languages as cohort_languages
from app.cohorts.access import trainee_of
from app.cohorts.models import Trainee
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep
from app.errors import NotFound
from app.http.rendering import render, ui_language
from app.lectures import access, phones, scheduling
from app.lectures.errors import LectureNotFound, NotYourLecture
from app.study import service as study
from app.web.lectures import tokyo

router = APIRouter(include_in_schema=False)


def home_context(
    request: Request,
    session: Session,
    principal: Principal,
    definitions: dict[str, CourseDefinition],
    trainee: Trainee | None,
) -> dict[str, Any]:
    """What the trainee's start page lists: their lectures, modules to study, study time."""
    minutes = study.minutes(session, trainee.id) if trainee else {}
    return {
        "lectures": [
            scheduling.lecture_details(session, principal, lecture)
            for lecture in scheduling.list_lectures(session, principal)
        ]
        if trainee
        else [],
        "catalogue": study.catalogue(
            session,
            definitions,
            trainee.preferred_language if trainee else ui_language(request),
            # the trainee's fallbacks; the master language comes last in any case
            cohort_languages.trainee_chain(session, trainee, "")[1:] if trainee else None,
            trainee_id=trainee.id if trainee else None,
        ),
        "study_minutes": sum(minutes.values()),
        "tokyo": tokyo,
    }


def _not_a_trainee(principal: Principal, lecture_id: RowId) -> RedirectResponse | None:
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
    try:
        followed = access.followed_by(
            session, principal, phones.lecture_id_by_join_code(session, join_code)
        )
    except (NotYourLecture, LectureNotFound) as failure:
        return _refused(request, failure)
    return RedirectResponse(f"/t/lectures/{followed.lecture.id}", status_code=303)


@router.get("/t/lectures/{lecture_id}", response_class=HTMLResponse)
def follow_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lecture_id: RowId
) -> Any:
    """Follow the lecture on a phone: the slide on screen in the trainee's language, polls."""
    if (redirect := _not_a_trainee(principal, lecture_id)) is not None:
        return redirect
    try:
        view = phones.trainee_view(session, access.followed_by(session, principal, lecture_id))
    except NotYourLecture as failure:
        return _refused(request, failure)
    return render(
        request,
        "trainee/lecture.html",
        view=view,
        details=scheduling.lecture_details(session, principal, view.lecture),
        tokyo=tokyo,
    )


@router.get("/t/lectures/{lecture_id}/slide", response_class=HTMLResponse)
def follow_slide(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lecture_id: RowId,
    module: str | None = None,
    position: RowId | None = None,
) -> Any:
    """One slide of the lecture in the trainee's language, as HTML for the page's script."""
    try:
        view = phones.trainee_view(
            session,
            access.followed_by(session, principal, lecture_id),
            module=module,
            position=position,
        )
    except NotYourLecture as failure:
        return _refused(request, failure)
    return render(request, "trainee/_slide.html", view=view)


@router.get(
    "/t/study/{course}/{module}",
    response_class=HTMLResponse,
    dependencies=[Depends(require_roles("trainee"))],
)
def study_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    definitions: DefinitionsDep,
    course: str,
    module: str,
) -> Any:
    """A published module to study alone; its quizzes answer right or wrong at once."""
    definition = courses.get_definition(definitions, course)
    return render(
        request,
        "trainee/study.html",
        module=study.module(session, trainee_of(session, principal), definition, module),
        definition=definition,
    )
