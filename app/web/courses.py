"""Lecturers' pages: courses, revisions, language status, import reports, modules, diffs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.dependencies import LecturerOrAdminDep, require_roles
from app.courses import diffs, flows, service
from app.courses.definitions import CourseDefinition
from app.courses.dependencies import CourseDep, DefinitionDep, RevisionDep
from app.courses.errors import (
    CourseMismatch,
    PublishConflict,
    RevisionNotDiscardable,
    UnmappedModules,
)
from app.courses.models import Course, Revision
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.http import confirm as confirmation
from app.http import csrf
from app.http.gate import CheckedBeforeBody
from app.http.rendering import render, ui_language
from app.i18n import N_, gettext

# Lecturers and admins work on decks; cooperative staff may read them; trainees have their own.
router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(require_roles("admin", "lecturer", "staff"))],
    route_class=CheckedBeforeBody,
)


@router.get("/courses", response_class=HTMLResponse)
def courses_page(request: Request, session: SessionDep, definitions: DefinitionsDep) -> Any:
    language = ui_language(request)
    summaries = [service.course_summary(session, d, language) for d in definitions.values()]
    return render(request, "courses.html", courses=summaries)


def _course_page(
    request: Request,
    session: Session,
    definition: CourseDefinition,
    course: Course,
    *,
    error: str | None = None,
    held: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    revisions = service.list_revisions(session, course)
    latest = revisions[0] if revisions else None
    return render(
        request,
        "course.html",
        status_code=status_code,
        definition=definition,
        course=course,
        revisions=revisions,
        latest=latest,
        languages=service.language_statuses(session, latest, definition) if latest else [],
        published=service.published_revision(session, course),
        error=error,
        held=held,
    )


@router.get("/courses/{course}", response_class=HTMLResponse)
def course_page(
    request: Request, session: SessionDep, definition: DefinitionDep, course: CourseDep
) -> Any:
    return _course_page(request, session, definition, course)


@router.post("/courses/{course}/decks", response_class=HTMLResponse)
def upload_deck_form(
    request: Request,
    session: SessionDep,
    caller: LecturerOrAdminDep,
    settings: SettingsDep,
    definitions: DefinitionsDep,
    definition: DefinitionDep,
    course: CourseDep,
    file: Annotated[UploadFile, File()],
    language: Annotated[str, Form(max_length=16)],
    csrf_token: Annotated[str, Form()] = "",
    note: Annotated[str | None, Form(max_length=2000)] = None,
    effective_date: Annotated[str | None, Form()] = None,
    confirm: Annotated[bool, Form()] = False,
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        report = flows.import_upload(
            session,
            settings=settings,
            definition=definition,
            file=file.file,
            filename=file.filename,
            language=language,
            note=note,
            effective_date=effective_date,
            confirm=confirm,
            definitions=definitions,
            actor=caller,
        )
    except CourseMismatch as held:
        # Held, not imported: the form comes back with the reason and the box to confirm.
        return _course_page(
            request,
            session,
            definition,
            course,
            error=held.text(ui_language(request)),
            held=True,
            status_code=held.status_code,
        )
    if report["status"] == "accepted":
        # Post/redirect/get: reloading the report page must not import the deck again.
        return RedirectResponse(
            f"/courses/{definition.code}/imports/{report['import_id']}", status_code=303
        )
    report = service.localize_report(report, ui_language(request))
    return render(
        request,
        "import.html",
        definition=definition,
        report=report,
        deck_import=None,
        status_code=422,
    )


@router.get("/courses/{course}/imports/{import_id}", response_class=HTMLResponse)
def import_page(
    request: Request,
    session: SessionDep,
    definition: DefinitionDep,
    course: CourseDep,
    import_id: RowId,
) -> Any:
    deck_import = service.get_import(session, course, import_id)
    report = service.localize_report(deck_import.report, ui_language(request))
    return render(
        request,
        "import.html",
        definition=definition,
        report=report,
        deck_import=deck_import,
        rendered=service.rendered_count(session, deck_import),
        progress=service.render_progress(session, course, deck_import, ui_language(request)),
    )


@router.post("/courses/{course}/imports/{import_id}/render")
def retry_render_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _caller: LecturerOrAdminDep,
    course: CourseDep,
    import_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    csrf.verify(request, csrf_token)
    flows.retry_render(session, settings, service.get_import(session, course, import_id))
    return RedirectResponse(f"/courses/{course.code}/imports/{import_id}", status_code=303)


@router.get("/courses/{course}/revisions/{number}", response_class=HTMLResponse)
def revision_page(
    request: Request,
    session: SessionDep,
    definition: DefinitionDep,
    course: CourseDep,
    revision: RevisionDep,
) -> Any:
    return _revision_page(request, session, definition, course, revision)


def _revision_page(
    request: Request,
    session: Session,
    definition: CourseDefinition,
    course: Course,
    revision: Revision,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    slides = service.slides_by_module(session, revision, definition.master_language)
    published = service.published_revision(session, course)
    # Before publishing, what changes against the revision trainees are taught now.
    changes = (
        diffs.diff_revisions(session, course, published.number, revision.number)
        if revision.status == "draft" and published is not None
        else None
    )
    return render(
        request,
        "revision.html",
        status_code=status_code,
        definition=definition,
        course=course,
        revision=revision,
        languages=service.language_statuses(session, revision, definition),
        modules=service.revision_modules(session, revision, definition),
        master_slides={m.code: slides[m.id][definition.master_language] for m in revision.modules},
        imports=service.imports_for_revision(session, revision),
        published=published,
        changes=changes,
        unmapped=service.unmapped_modules(revision),
        latest=service.latest_revision(session, course),
        error=error,
    )


@router.post("/courses/{course}/revisions/{number}/publish")
def publish_form(
    request: Request,
    session: SessionDep,
    caller: LecturerOrAdminDep,
    definition: DefinitionDep,
    course: CourseDep,
    revision: RevisionDep,
    csrf_token: Annotated[str, Form()] = "",
    confirm: confirmation.ConfirmField = False,
) -> Response:
    """Publish a draft, after the confirmation page has said what that means. A refusal (a
    module without an area, published already) shows on the revision page before asking."""
    csrf.verify(request, csrf_token)
    page = f"/courses/{course.code}/revisions/{revision.number}"
    language = ui_language(request)

    def publish() -> object:
        return service.publish(session, course, revision.number, caller)

    try:
        question = confirmation.asked_first(
            session,
            confirm,
            publish,
            lambda: confirmation.ask(
                request,
                title=gettext(language, N_("Publish revision {number}?"), number=revision.number),
                consequences=[
                    gettext(language, N_("New cohorts will be taught it from now on.")),
                    gettext(
                        language,
                        N_(
                            "A published revision cannot be withdrawn; only a later one "
                            "replaces it."
                        ),
                    ),
                ],
                action=f"{page}/publish",
                back=page,
                button=gettext(language, N_("Publish")),
                danger=False,
            ),
        )
    except (UnmappedModules, PublishConflict) as refused:
        return _revision_page(
            request,
            session,
            definition,
            course,
            revision,
            error=refused.text(language),
            status_code=refused.status_code,
        )
    return question or RedirectResponse(page, status_code=303)


@router.post("/courses/{course}/revisions/{number}/discard")
def discard_form(
    request: Request,
    session: SessionDep,
    caller: LecturerOrAdminDep,
    definition: DefinitionDep,
    course: CourseDep,
    revision: RevisionDep,
    csrf_token: Annotated[str, Form()] = "",
    confirm: confirmation.ConfirmField = False,
) -> Response:
    """Discard a draft, after the confirmation page; a refusal shows on the revision page."""
    csrf.verify(request, csrf_token)
    page = f"/courses/{course.code}/revisions/{revision.number}"
    language = ui_language(request)

    def discard() -> None:
        service.discard(session, course, revision.number, caller)

    try:
        question = confirmation.asked_first(
            session,
            confirm,
            discard,
            lambda: confirmation.ask(
                request,
                title=gettext(
                    language, N_("Discard draft revision {number}?"), number=revision.number
                ),
                consequences=[
                    gettext(
                        language,
                        N_("Its decks, slides and translations are deleted; it cannot be undone."),
                    ),
                ],
                action=f"{page}/discard",
                back=page,
                button=gettext(language, N_("Discard")),
            ),
        )
    except RevisionNotDiscardable as refused:
        return _revision_page(
            request,
            session,
            definition,
            course,
            revision,
            error=refused.text(language),
            status_code=refused.status_code,
        )
    return question or RedirectResponse(f"/courses/{course.code}?saved=1", status_code=303)


@router.get("/courses/{course}/revisions/{number}/modules/{code}", response_class=HTMLResponse)
def module_page(
    request: Request,
    session: SessionDep,
    definition: DefinitionDep,
    revision: RevisionDep,
    code: str,
    language: str | None = None,
) -> Any:
    language = language if language in definition.languages else definition.master_language
    module = service.module_slides(session, revision, definition, code, language)
    # An untranslated module's title is the master's, and must be marked up as such.
    titles = next(m.titles for m in revision.modules if m.code == code)
    title_lang = language if titles.get(language) else definition.master_language
    return render(
        request,
        "module.html",
        definition=definition,
        revision=revision,
        module=module,
        language=language,
        title_lang=title_lang,
    )


@router.get("/courses/{course}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    session: SessionDep,
    definition: DefinitionDep,
    course: CourseDep,
    a: RowId,
    b: RowId,
) -> Any:
    return render(
        request,
        "diff.html",
        definition=definition,
        diff=diffs.diff_revisions(session, course, a, b),
    )
