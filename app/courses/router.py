"""The courses JSON API under /api/v1: decks in, revisions, diffs and slides out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from fastapi.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from app.accounts.dependencies import (
    READS_RECORDS,
    LecturerOrAdminDep,
    PrincipalDep,
    current_principal,
    optional_principal,
    require_roles,
)
from app.accounts.errors import LoginRequired
from app.courses import access, diffs, flows, service
from app.courses.dependencies import CourseDep, DefinitionDep, RevisionDep
from app.courses.models import DeckImport
from app.courses.schemas import (
    AreaAssigned,
    AreaAssignment,
    CourseOut,
    DiffOut,
    ImportReport,
    ImportStatus,
    ModuleSlides,
    PublishedRevision,
    RenderProgress,
    RevisionDetail,
    RevisionOut,
)
from app.db import RowId, transaction
from app.deps import DefinitionsDep, SessionDep, SettingsDep
from app.http import confirm as confirmation
from app.http.confirm import ConfirmQuery
from app.http.gate import CheckedBeforeBody
from app.http.language import request_language
from app.http.progress import progress_events
from app.i18n import gettext

# Every route needs a signed-in caller; changing content needs a lecturer or an admin.
router = APIRouter(
    prefix="/api/v1",
    tags=["courses"],
    dependencies=[Depends(current_principal)],
    route_class=CheckedBeforeBody,
)
# Event streams check the caller themselves, in short sessions of their own: a session held by
# a dependency would keep a database connection for as long as the stream stays open.
streams = APIRouter(prefix="/api/v1", tags=["courses"], route_class=CheckedBeforeBody)
# Diffs and import reports show notes, hidden slides and answers: not for trainees.
EDITORS_ONLY = Depends(require_roles(*access.EDITORIAL_ROLES))


@router.get("/courses", dependencies=[READS_RECORDS], response_model=list[CourseOut])
def list_courses(
    request: Request, session: SessionDep, definitions: DefinitionsDep
) -> list[dict[str, Any]]:
    """List the defined courses, those in force first, with their published and latest
    revision numbers."""
    language = request_language(request)
    return [service.course_summary(session, d, language) for d in definitions.values()]


@router.get("/courses/{course}", dependencies=[READS_RECORDS], response_model=CourseOut)
def get_course(request: Request, session: SessionDep, definition: DefinitionDep) -> dict[str, Any]:
    return service.course_summary(session, definition, request_language(request))


@router.post(
    "/courses/{course}/decks",
    response_model=ImportReport,
    status_code=201,
    responses={
        422: {"model": ImportReport, "description": "the deck was rejected"},
        409: {"description": "the deck's sections fit another course: send confirm=true"},
        413: {"description": "the file is larger than the upload limit"},
    },
)
def upload_deck(
    request: Request,
    session: SessionDep,
    caller: LecturerOrAdminDep,
    settings: SettingsDep,
    definitions: DefinitionsDep,
    definition: DefinitionDep,
    file: Annotated[UploadFile, File(description="the .pptx deck")],
    language: Annotated[str, Form(max_length=16)],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    effective_date: Annotated[str | None, Form()] = None,
    revision: Annotated[RowId | None, Form()] = None,
    confirm: Annotated[bool, Form(description="import although it fits another course")] = False,
) -> Any:
    """Import a deck: the master language makes a new draft revision, others are aligned to it.

    A deck whose sections belong to another course is held (409, nothing written) until it is
    sent again with ``confirm``."""
    report = flows.import_upload(
        session,
        settings=settings,
        definition=definition,
        file=file.file,
        filename=file.filename,
        language=language,
        note=note,
        effective_date=effective_date,
        revision=revision,
        confirm=confirm,
        definitions=definitions,
        actor=caller,
    )
    report = service.localize_report(report, request_language(request))
    if report["status"] == "rejected":
        return JSONResponse(
            ImportReport.model_validate(report).model_dump(mode="json"), status_code=422
        )
    return report


@router.get(
    "/courses/{course}/revisions", dependencies=[READS_RECORDS], response_model=list[RevisionOut]
)
def list_revisions(session: SessionDep, course: CourseDep) -> Any:
    return service.list_revisions(session, course)


@router.get(
    "/courses/{course}/revisions/{number}",
    dependencies=[READS_RECORDS],
    response_model=RevisionDetail,
)
def get_revision(session: SessionDep, definition: DefinitionDep, revision: RevisionDep) -> Any:
    return {
        **RevisionOut.model_validate(revision).model_dump(),
        "languages": service.language_statuses(session, revision, definition),
        "modules": service.revision_modules(session, revision, definition),
    }


@router.post(
    "/courses/{course}/revisions/{number}/publish",
    response_model=PublishedRevision,
    responses={
        409: {"description": "published already, older, or a module has no area"},
        428: {"description": "confirm=true was not given: nothing was published"},
    },
)
def publish_revision(
    session: SessionDep,
    course: CourseDep,
    number: RowId,
    caller: LecturerOrAdminDep,
    confirm: ConfirmQuery = False,
) -> Any:
    """Publish a draft: new cohorts are taught it; earlier revisions stay readable. Refused
    while a module has no statutory area (assign it first). It cannot be withdrawn, so the
    caller says ``confirm=true``. The answer lists what changed against the revision
    published before (the diff), if there was one."""
    before = service.published_revision(session, course)
    revision = confirmation.confirmed(
        session, confirm, lambda: service.publish(session, course, number, caller)
    )
    changes = (
        diffs.diff_revisions(session, course, before.number, number) if before is not None else None
    )
    return {**RevisionOut.model_validate(revision).model_dump(), "changes": changes}


@router.delete(
    "/courses/{course}/revisions/{number}",
    status_code=204,
    response_class=Response,
    responses={
        409: {"description": "the revision is published, or not the latest"},
        428: {"description": "confirm=true was not given: nothing was discarded"},
    },
)
def discard_revision(
    session: SessionDep,
    course: CourseDep,
    number: RowId,
    caller: LecturerOrAdminDep,
    confirm: ConfirmQuery = False,
) -> Response:
    """Discard the latest revision while it is a draft: its imports, modules and slides.
    It cannot be undone, so the caller says ``confirm=true``."""
    confirmation.confirmed(
        session, confirm, lambda: service.discard(session, course, number, caller)
    )
    return Response(status_code=204)


@router.get(
    "/courses/{course}/revisions/{a}/diff/{b}",
    dependencies=[READS_RECORDS, EDITORS_ONLY],
    response_model=DiffOut,
)
def diff_revisions(session: SessionDep, course: CourseDep, a: RowId, b: RowId) -> DiffOut:
    """Added, removed and changed slides per module and language, with the changed text."""
    return diffs.diff_revisions(session, course, a, b)


@router.get(
    "/courses/{course}/revisions/{number}/modules/{code}",
    dependencies=[READS_RECORDS],
    response_model=ModuleSlides,
)
def module_slides(
    session: SessionDep,
    definition: DefinitionDep,
    revision: RevisionDep,
    principal: PrincipalDep,
    code: str,
    language: str | None = None,
) -> ModuleSlides:
    """A module's slides in a language, falling back to the master where a slide is missing.

    Trainees get the trainee view: no hidden slides, notes or quiz answers."""
    slides = service.module_slides(
        session, revision, definition, code, language or definition.master_language
    )
    return access.module_for(principal, slides)


def _import_status(
    request: Request, session: SessionDep, deck_import: DeckImport
) -> dict[str, Any]:
    return {
        "import_id": deck_import.id,
        "revision": deck_import.report["revision"],
        "language": deck_import.language,
        "filename": deck_import.filename,
        "slide_count": deck_import.slide_count,
        "created_at": deck_import.created_at,
        "rendering": deck_import.render_status,
        "rendering_error": (
            gettext(request_language(request), deck_import.render_error)
            if deck_import.render_error
            else None
        ),
        "rendered_slides": service.rendered_count(session, deck_import),
        "report": service.localize_report(deck_import.report, request_language(request)),
    }


@router.get(
    "/courses/{course}/imports/{import_id}",
    dependencies=[READS_RECORDS, EDITORS_ONLY],
    response_model=ImportStatus,
)
def import_status(
    request: Request, session: SessionDep, course: CourseDep, import_id: RowId
) -> dict[str, Any]:
    """The stored report of an import and the state of its slide-image rendering."""
    return _import_status(request, session, service.get_import(session, course, import_id))


@router.get(
    "/courses/{course}/imports/{import_id}/progress",
    dependencies=[READS_RECORDS, EDITORS_ONLY],
    response_model=RenderProgress,
)
def import_progress(
    request: Request, session: SessionDep, course: CourseDep, import_id: RowId
) -> RenderProgress:
    """How far the import's slide images are (the event stream sends the same on each change)."""
    deck_import = service.get_import(session, course, import_id)
    return service.render_progress(session, course, deck_import, request_language(request))


def _progress_now(request: Request, course: str, import_id: int) -> RenderProgress:
    """The import's progress if the caller may still read it (else a DomainError)."""
    with transaction(request.app.state.session_factory) as session:
        principal = optional_principal(request, session)
        if principal is None:
            raise LoginRequired()
        principal.require(*access.EDITORIAL_ROLES)
        definition = service.get_definition(request.app.state.definitions, course)
        row = service.ensure_course(session, definition)
        deck_import = service.get_import(session, row, import_id)
        return service.render_progress(session, row, deck_import, request_language(request))


async def progress_start(
    request: Request, course: Annotated[str, Path(max_length=64)], import_id: RowId
) -> RenderProgress:
    # A dependency, so that 401, 403 and 404 are answered before the stream's 200 starts.
    return await run_in_threadpool(_progress_now, request, course, import_id)


@streams.get(
    "/courses/{course}/imports/{import_id}/progress/events",
    response_class=EventSourceResponse,
)
async def import_progress_events(
    request: Request,
    course: Annotated[str, Path(max_length=64)],
    import_id: RowId,
    start: Annotated[RenderProgress, Depends(progress_start)],
) -> AsyncIterator[RenderProgress]:
    """Server-sent events (``progress``): the rendering's progress at once, then each change,
    until it is finished. The work runs in a worker that may be another process, so the stream
    reads the progress the worker writes down rather than waiting for a message."""
    async for event in progress_events(
        request, start, lambda: _progress_now(request, course, import_id)
    ):
        yield event


@router.post(
    "/courses/{course}/imports/{import_id}/render",
    response_model=ImportStatus,
    status_code=202,
    responses={409: {"description": "the rendering has not failed"}},
)
def retry_render(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _caller: LecturerOrAdminDep,
    course: CourseDep,
    import_id: RowId,
) -> dict[str, Any]:
    """Queue a failed slide-image rendering again."""
    deck_import = flows.retry_render(
        session, settings, service.get_import(session, course, import_id)
    )
    return _import_status(request, session, deck_import)


@router.put("/courses/{course}/modules/{code}/area", response_model=AreaAssigned)
def assign_area(
    session: SessionDep,
    _caller: LecturerOrAdminDep,
    definition: DefinitionDep,
    course: CourseDep,
    code: str,
    body: AreaAssignment,
) -> dict[str, Any]:
    """Give a module the definition does not list its statutory area (all revisions)."""
    updated = service.assign_area(session, definition, course, code, body.area)
    return {"course": course.code, "module": code, "area": body.area, "modules_updated": updated}
