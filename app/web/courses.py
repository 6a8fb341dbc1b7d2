"""Lecturers' pages: courses, revisions, language status, import reports, modules, diffs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts.dependencies import LecturerOrAdminDep, require_roles
from app.courses import diffs, flows, service
from app.courses.dependencies import CourseDep, DefinitionDep, RevisionDep
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
    summaries = [service.course_summary(session, d) for d in definitions.values()]
    return render(request, "courses.html", courses=summaries)


@router.get("/courses/{course}", response_class=HTMLResponse)
def course_page(
    request: Request, session: SessionDep, definition: DefinitionDep, course: CourseDep
) -> Any:
    revisions = service.list_revisions(session, course)
    latest = revisions[0] if revisions else None
    return render(
        request,
        "course.html",
        definition=definition,
        course=course,
        revisions=revisions,
        latest=latest,
        languages=service.language_statuses(session, latest, definition) if latest else [],
        published=service.published_revision(session, course),
    )


@router.post("/courses/{course}/decks", response_class=HTMLResponse)
def upload_deck_form(
    request: Request,
    session: SessionDep,
    _caller: LecturerOrAdminDep,
    settings: SettingsDep,
    definition: DefinitionDep,
    file: Annotated[UploadFile, File()],
    language: Annotated[str, Form(max_length=16)],
    csrf_token: Annotated[str, Form()] = "",
    note: Annotated[str | None, Form(max_length=2000)] = None,
    effective_date: Annotated[str | None, Form()] = None,
) -> Any:
    csrf.verify(request, csrf_token)
    report = flows.import_upload(
        session,
        settings=settings,
        definition=definition,
        file=file.file,
        filename=file.filename,
        language=language,
        note=note,
        effective_date=effective_date,
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
    slides = service.slides_by_module(session, revision, definition.master_language)
    return render(
        request,
        "revision.html",
        definition=definition,
        course=course,
        revision=revision,
        languages=service.language_statuses(session, revision, definition),
        modules=service.revision_modules(session, revision, definition),
        master_slides={m.code: slides[m.id][definition.master_language] for m in revision.modules},
        imports=service.imports_for_revision(session, revision),
    )


@router.post("/courses/{course}/revisions/{number}/publish")
def publish_form(
    request: Request,
    session: SessionDep,
    _caller: LecturerOrAdminDep,
    course: CourseDep,
    number: RowId,
    csrf_token: Annotated[str, Form()] = "",
    confirm: confirmation.ConfirmField = False,
) -> Response:
    """Publish a draft, after the confirmation page has said what that means."""
    csrf.verify(request, csrf_token)
    page = f"/courses/{course.code}/revisions/{number}"
    if not confirm:
        # Already published, or older than the published one: say so now, not after asking.
        confirmation.rehearse(session, lambda: service.publish(session, course, number))
        language = ui_language(request)
        return confirmation.ask(
            request,
            title=gettext(language, N_("Publish revision {number}?"), number=number),
            consequences=[
                gettext(language, N_("New cohorts will be taught it from now on.")),
                gettext(
                    language,
                    N_("A published revision cannot be withdrawn; only a later one replaces it."),
                ),
            ],
            action=f"{page}/publish",
            back=page,
            button=gettext(language, N_("Publish")),
            danger=False,
        )
    service.publish(session, course, number)
    return RedirectResponse(page, status_code=303)


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
