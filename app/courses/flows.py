"""Multi-step work on courses: importing a deck, and rendering its slide images."""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.config import Settings
from app.courses import service
from app.courses.definitions import PROGRAM_TITLES, CourseDefinition
from app.courses.errors import (
    CourseMismatch,
    InvalidDate,
    LanguageNotOffered,
    RenderNotRetryable,
)
from app.courses.models import Course, DeckImport, Module, Revision, Slide
from app.decks.alignment import Alignment, align_translation, match_sequences
from app.decks.api import ParsedDeck, parse_deck
from app.decks.encoding import zawgyi_problems
from app.decks.problems import DeckRejected, Problem, error
from app.decks.render import RenderError, find_soffice, page_count, pptx_to_pdf, rasterise
from app.decks.safety import Limits
from app.decks.structure import ParsedSlide
from app.files import service as files
from app.i18n import N_
from app.jobs import service as jobs
from app.uploads import spooled_to_disk

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
RENDER_JOB = "render-deck"


@dataclass(frozen=True)
class DeckUpload:
    path: Path
    filename: str
    language: str
    note: str | None = None
    effective_date: date | None = None
    revision: int | None = None  # a translation may target an older revision explicitly
    # The uploader confirmed the course although the deck's sections suggest another one.
    confirm: bool = False


def parse_effective_date(value: str | None) -> date | None:
    """Read a form's YYYY-MM-DD date; InvalidDate when it is something else."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate() from None


def import_upload(
    session: Session,
    *,
    settings: Settings,
    definition: CourseDefinition,
    file: BinaryIO,
    filename: str | None,
    language: str,
    note: str | None = None,
    effective_date: str | None = None,
    revision: int | None = None,
    confirm: bool = False,
    definitions: dict[str, CourseDefinition] | None = None,
    actor: Principal | None = None,
) -> dict[str, Any]:
    """Import an uploaded file object (API or page form); its temporary copy is always removed."""
    upload_date = parse_effective_date(effective_date)
    path = spooled_to_disk(file, tmp_dir=settings.tmp_dir, max_bytes=settings.max_upload_bytes)
    try:
        return import_deck(
            session,
            settings=settings,
            definition=definition,
            upload=DeckUpload(
                path=path,
                filename=filename or "deck.pptx",
                language=language,
                note=note or None,
                effective_date=upload_date,
                revision=revision,
                confirm=confirm,
            ),
            definitions=definitions,
            actor=actor,
        )
    finally:
        path.unlink(missing_ok=True)


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_upload_bytes,
        max_members=settings.max_zip_members,
        max_uncompressed_bytes=settings.max_uncompressed_bytes,
        max_compression_ratio=settings.max_compression_ratio,
    )


def _rejected(
    definition: CourseDefinition, upload: DeckUpload, problems: list[Problem]
) -> dict[str, Any]:
    return {
        "status": "rejected",
        "course": definition.code,
        "revision": None,
        "language": upload.language,
        "filename": upload.filename,
        "import_id": None,
        "modules": [],
        "problems": [p.to_report() for p in problems],
        "languages": [],
        "stale_slides": [],
        "rendering": "none",
    }


def import_deck(
    session: Session,
    *,
    settings: Settings,
    definition: CourseDefinition,
    upload: DeckUpload,
    definitions: dict[str, CourseDefinition] | None = None,
    actor: Principal | None = None,
) -> dict[str, Any]:
    """Import one deck and return its report; a rejected deck writes nothing at all.

    A master-language deck creates a new draft revision and carries the previous revision's
    translations over (slides whose master changed become stale). Any other language is
    aligned to the target revision's master slides and replaces that language's slides.
    With ``definitions``, a deck whose sections fit another course better is held
    (CourseMismatch) unless the upload is confirmed. An accepted import is audited.
    """
    report = _import_deck(session, settings, definition, upload, definitions)
    if report["status"] == "accepted":
        audit.record(
            session,
            actor,
            action="import",
            entity="deck",
            entity_id=report["import_id"],
            cooperative_id=None,
            summary=f"{definition.code} r{report['revision']} {upload.language} {upload.filename}",
            changes={
                "course": definition.code,
                "revision": report["revision"],
                "language": upload.language,
                "file": upload.filename,
                "confirmed_course": upload.confirm,
            },
        )
    return report


def check_course(
    parsed: ParsedDeck,
    definition: CourseDefinition,
    definitions: dict[str, CourseDefinition],
    language: str,
) -> None:
    """CourseMismatch when the deck's sections (and the program's terms in its text) fit
    another course better than the one it is uploaded to."""

    def fit(candidate: CourseDefinition) -> int:
        known = {module.code for module in candidate.modules}
        sections = sum(1 for module in parsed.modules if module.code in known)
        text = " ".join(
            f"{slide.content.title} {slide.content.text}"
            for module in parsed.modules
            for slide in module.slides
        )
        terms = {
            names[language]
            for names in candidate.terminology.values()
            if names.get(language) and names[language] in text
        }
        return sections * 10 + len(terms)

    scores = {code: fit(candidate) for code, candidate in definitions.items()}
    best = max(scores, key=lambda code: scores[code])
    if best == definition.code or scores[best] <= scores.get(definition.code, 0):
        return
    suggested = definitions[best]
    known = {module.code for module in suggested.modules}
    raise CourseMismatch(
        suggested=suggested.title(definition.master_language),
        suggested_program=PROGRAM_TITLES[suggested.program],
        modules=", ".join(m.code for m in parsed.modules if m.code in known) or "-",
        course=definition.title(definition.master_language),
        program=PROGRAM_TITLES[definition.program],
    )


def _import_deck(
    session: Session,
    settings: Settings,
    definition: CourseDefinition,
    upload: DeckUpload,
    definitions: dict[str, CourseDefinition] | None,
) -> dict[str, Any]:
    if upload.language not in definition.languages:
        raise LanguageNotOffered(course=definition.code, language=upload.language)
    try:
        parsed = parse_deck(
            upload.path, limits=limits_from(settings), max_slides=settings.max_slides
        )
    except DeckRejected as rejection:
        return _rejected(definition, upload, rejection.problems)
    if parsed.has_errors:
        return _rejected(definition, upload, parsed.problems)
    if upload.language == "my":
        parsed.problems.extend(zawgyi_problems(parsed.modules))
    if definitions and not upload.confirm:
        check_course(parsed, definition, definitions, upload.language)
    course = service.ensure_course(session, definition)
    if upload.language == definition.master_language:
        with files.FileWriter(settings.blobs_dir) as writer:
            return _import_master(session, settings, writer, definition, course, upload, parsed)
    if upload.revision is not None:
        revision = service.get_revision(session, course, upload.revision)
    else:
        revision = service.latest_revision(session, course)
    if revision is None:
        return _rejected(
            definition,
            upload,
            [
                *parsed.problems,
                error(
                    "align.no-master",
                    N_(
                        "This course has no {master} master deck yet. Upload the master deck first; "
                        "translations are matched to it."
                    ),
                    master=definition.master_language,
                ),
            ],
        )
    with files.FileWriter(settings.blobs_dir) as writer:
        return _import_translation(
            session, settings, writer, definition, course, revision, upload, parsed
        )


def _store_deck(
    session: Session,
    settings: Settings,
    writer: files.FileWriter,
    course: Course,
    revision: Revision,
    upload: DeckUpload,
    parsed: ParsedDeck,
) -> DeckImport:
    file_sha = files.sha256_of_file(upload.path)
    writer.copy(file_sha, upload.path)
    for picture in parsed.pictures.values():
        writer.write(picture.sha256, picture.data)
    files.record(
        session,
        [
            (file_sha, PPTX_TYPE, upload.path.stat().st_size),
            *((p.sha256, p.content_type, len(p.data)) for p in parsed.pictures.values()),
        ],
    )
    soffice = find_soffice(settings.soffice_path)
    deck_import = DeckImport(
        course_id=course.id,
        revision_id=revision.id,
        language=upload.language,
        filename=upload.filename[:255],
        file_sha256=file_sha,
        file_size=upload.path.stat().st_size,
        slide_count=parsed.slide_count,
        report={},
        render_status="queued" if soffice else "unavailable",
    )
    session.add(deck_import)
    session.flush()
    if soffice:
        jobs.enqueue(session, kind=RENDER_JOB, payload={"import_id": deck_import.id})
    return deck_import


def _slide_values(
    module_id: int,
    language: str,
    position: int,
    import_id: int,
    parsed: ParsedSlide,
    *,
    master_hash: str | None,
    state: str,
) -> dict[str, Any]:
    content = parsed.content
    return {
        "module_id": module_id,
        "language": language,
        "position": position,
        "import_id": import_id,
        "deck_number": content.number,
        "kind": parsed.kind,
        "title": content.title,
        "blocks": content.blocks,
        "text": content.text,
        "notes": content.notes,
        "layout": content.layout,
        "hidden": content.hidden,
        "content_hash": content.content_hash,
        "quiz": parsed.quiz,
        "master_hash": master_hash,
        "state": state,
        "image_sha256": None,
        "thumb_sha256": None,
    }


def _import_master(
    session: Session,
    settings: Settings,
    writer: files.FileWriter,
    definition: CourseDefinition,
    course: Course,
    upload: DeckUpload,
    parsed: ParsedDeck,
) -> dict[str, Any]:
    service.lock_revisions(session, course)
    previous = service.latest_revision(session, course)
    revision = Revision(
        course_id=course.id,
        number=service.next_revision_number(session, course),
        change_note=upload.note,
        effective_date=upload.effective_date,
    )
    session.add(revision)
    session.flush()
    deck_import = _store_deck(session, settings, writer, course, revision, upload, parsed)
    assignments = service.area_assignments(session, course)
    problems = list(parsed.problems)
    modules: list[Module] = []
    for parsed_module in parsed.modules:
        area, minutes = service.resolve_area(definition, assignments, parsed_module.code)
        if area is None:
            problems.append(
                Problem(
                    "warning",
                    "module.unmapped",
                    N_(
                        "Module {code} is not in the course definition, so its statutory area is "
                        "unknown. Assign one before lectures use it."
                    ),
                    {"code": parsed_module.code},
                    module=parsed_module.code,
                )
            )
        modules.append(
            Module(
                revision=revision,
                position=parsed_module.position,
                code=parsed_module.code,
                titles={upload.language: parsed_module.title},
                area_code=area,
                planned_minutes=minutes,
            )
        )
    session.add_all(modules)
    session.flush()
    rows = [
        _slide_values(
            module.id,
            upload.language,
            position,
            deck_import.id,
            slide,
            master_hash=None,
            state="current",
        )
        for module, parsed_module in zip(modules, parsed.modules, strict=True)
        for position, slide in enumerate(parsed_module.slides, start=1)
    ]
    session.execute(insert(Slide), rows)
    service.set_language_status(
        session, revision, definition.master_language, upload.language, deck_import.id
    )
    stale: list[dict[str, Any]] = []
    if previous is not None:
        stale = _carry_translations(session, definition, previous, revision, parsed)
    return _accepted(session, definition, revision, deck_import, upload, parsed, problems, stale)


def _carry_translations(
    session: Session,
    definition: CourseDefinition,
    previous: Revision,
    revision: Revision,
    parsed: ParsedDeck,
) -> list[dict[str, Any]]:
    """Copy the previous revision's translations into the new one; return what needs work.

    Slides are matched through the master: a translated slide whose master slide is unchanged
    stays as it was; one whose master changed is kept (better than nothing) but marked stale;
    a master slide that is new has no translation yet.
    """
    master = definition.master_language
    old_slides = service.slides_by_module(session, previous)
    old_modules = {module.code: module for module in previous.modules}
    new_modules = {module.code: module for module in revision.modules}
    languages = sorted(
        {language for by_language in old_slides.values() for language in by_language} - {master}
    )
    needs_work: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    copied_columns = [
        "import_id",
        "deck_number",
        "kind",
        "title",
        "blocks",
        "text",
        "notes",
        "layout",
        "hidden",
        "content_hash",
        "quiz",
        "master_hash",
        "image_sha256",
        "thumb_sha256",
    ]
    for parsed_module in parsed.modules:
        new_module = new_modules[parsed_module.code]
        old_module = old_modules.get(parsed_module.code)
        old_by_language = old_slides.get(old_module.id, {}) if old_module else {}
        old_master = old_by_language.get(master, [])
        pairs = match_sequences(
            [slide.content_hash for slide in old_master],
            [slide.content.content_hash for slide in parsed_module.slides],
        )
        for language in languages:
            translated = {slide.position: slide for slide in old_by_language.get(language, [])}
            titles = dict(new_module.titles)
            if old_module and language in old_module.titles:
                titles[language] = old_module.titles[language]
                new_module.titles = titles
            for i, j, change in pairs:
                if j is None:
                    continue
                master_slide = parsed_module.slides[j].content
                old = translated.get(old_master[i].position) if i is not None else None
                if old is None:
                    needs_work.append(
                        {
                            "language": language,
                            "module": parsed_module.code,
                            "slide": master_slide.number,
                            "reason": "new",
                        }
                    )
                    continue
                state = old.state if change == "equal" else "stale"
                if state == "stale":
                    needs_work.append(
                        {
                            "language": language,
                            "module": parsed_module.code,
                            "slide": master_slide.number,
                            "reason": "changed",
                        }
                    )
                row = {column: getattr(old, column) for column in copied_columns}
                row.update(module_id=new_module.id, language=language, position=j + 1, state=state)
                rows.append(row)
    if rows:
        session.execute(insert(Slide), rows)
    for language in languages:
        service.set_language_status(session, revision, master, language, None)
    return needs_work


def _import_translation(
    session: Session,
    settings: Settings,
    writer: files.FileWriter,
    definition: CourseDefinition,
    course: Course,
    revision: Revision,
    upload: DeckUpload,
    parsed: ParsedDeck,
) -> dict[str, Any]:
    master = service.master_modules(session, revision, definition.master_language)
    alignment: Alignment = align_translation(master, parsed.modules)
    module_ids = {module.code: module.id for module in revision.modules}
    session.execute(
        delete(Slide).where(
            Slide.module_id.in_(module_ids.values()), Slide.language == upload.language
        )
    )
    deck_import = _store_deck(session, settings, writer, course, revision, upload, parsed)
    rows = []
    for module in revision.modules:
        aligned = next(m for m in alignment.modules if m.master.code == module.code)
        titles = dict(module.titles)
        if aligned.title:
            titles[upload.language] = aligned.title
        else:
            titles.pop(upload.language, None)
        module.titles = titles
        rows.extend(
            _slide_values(
                module.id,
                upload.language,
                pair.master.position,
                deck_import.id,
                pair.slide,
                master_hash=pair.master.content_hash,
                state=pair.state,
            )
            for pair in aligned.slides
        )
    if rows:
        session.execute(insert(Slide), rows)
    session.flush()
    service.set_language_status(
        session, revision, definition.master_language, upload.language, deck_import.id
    )
    problems = parsed.problems + alignment.problems
    return _accepted(session, definition, revision, deck_import, upload, parsed, problems, [])


def _accepted(
    session: Session,
    definition: CourseDefinition,
    revision: Revision,
    deck_import: DeckImport,
    upload: DeckUpload,
    parsed: ParsedDeck,
    problems: list[Problem],
    stale: list[dict[str, Any]],
) -> dict[str, Any]:
    report = {
        "status": "accepted",
        "course": definition.code,
        "revision": revision.number,
        "revision_status": revision.status,
        "language": upload.language,
        "is_master": upload.language == definition.master_language,
        "filename": upload.filename,
        "import_id": deck_import.id,
        "change_note": revision.change_note,
        "effective_date": revision.effective_date.isoformat() if revision.effective_date else None,
        "slide_count": parsed.slide_count,
        "modules": [
            {
                "code": module.code,
                "title": module.title,
                "slides": len(module.slides),
                "quiz_slides": sum(1 for s in module.slides if s.kind == "quiz"),
                "hidden_slides": sum(1 for s in module.slides if s.content.hidden),
            }
            for module in parsed.modules
        ],
        "problems": [problem.to_report() for problem in problems],
        "languages": service.language_statuses(session, revision, definition),
        "stale_slides": stale,
        "rendering": deck_import.render_status,
    }
    deck_import.report = report
    session.flush()
    return report


def _render_failed(session: Session, payload: dict[str, Any], message: str) -> None:
    """Show why the slide images could not be made on the import's report."""
    session.execute(
        update(DeckImport)
        .where(DeckImport.id == payload["import_id"])
        .values(render_status="failed", render_error=message[:2000])
    )


@jobs.handler(RENDER_JOB, on_failure=_render_failed)
def render_deck(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """Render an imported deck's slides to WebP images and attach them to its slide rows.

    Images are written under the job's own work folder first; they move into the file store
    only when every page is done, right before the rows naming them are written, and the
    job service commits those rows together with the job's completion.
    """
    deck_import = session.get(DeckImport, payload["import_id"])
    if deck_import is None:
        return
    soffice = find_soffice(settings.soffice_path)
    if soffice is None:
        deck_import.render_status = "unavailable"
        return
    deck_import.render_status, deck_import.rendered_pages = "running", 0
    session.commit()
    import_id, slide_count = deck_import.id, deck_import.slide_count
    source = files.blob_path(settings.blobs_dir, deck_import.file_sha256)
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"render-{import_id}-", dir=settings.tmp_dir))
    try:
        pdf = pptx_to_pdf(source, workdir, soffice=soffice, timeout=settings.render_timeout_seconds)
        pages = page_count(pdf)
        if pages != slide_count:
            raise RenderError(f"the PDF has {pages} pages for {slide_count} slides")
        staged = files.Staging(workdir / "images")
        images = {}
        for number, (full, thumb) in enumerate(rasterise(pdf, width=settings.render_width), 1):
            images[number] = (staged.add(full), staged.add(thumb))
            _progress(session, import_id, number)
        staged.commit(session, blobs_dir=settings.blobs_dir, content_type="image/webp")
        by_number: dict[int, list[int]] = defaultdict(list)
        for slide_id, number in session.execute(
            select(Slide.id, Slide.deck_number).where(Slide.import_id == import_id)
        ):
            by_number[number].append(slide_id)
        for number, (full_sha, thumb_sha) in images.items():
            if by_number.get(number):
                session.execute(
                    update(Slide)
                    .where(Slide.id.in_(by_number[number]))
                    .values(image_sha256=full_sha, thumb_sha256=thumb_sha)
                )
        session.execute(
            update(DeckImport)
            .where(DeckImport.id == import_id)
            .values(render_status="done", render_error=None)
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _progress(session: Session, import_id: int, pages: int) -> None:
    """Say how many pages are done, at once: the import's page shows it while the job runs
    (the images themselves are committed with the job's completion)."""
    session.execute(
        update(DeckImport).where(DeckImport.id == import_id).values(rendered_pages=pages)
    )
    session.commit()


def retry_render(session: Session, settings: Settings, deck_import: DeckImport) -> DeckImport:
    """Queue a failed rendering again; RenderNotRetryable unless it failed."""
    if deck_import.render_status != "failed":
        raise RenderNotRetryable()
    deck_import.render_status = "queued" if find_soffice(settings.soffice_path) else "unavailable"
    deck_import.render_error, deck_import.rendered_pages = None, 0
    session.flush()
    if deck_import.render_status == "queued":
        jobs.enqueue(session, kind=RENDER_JOB, payload={"import_id": deck_import.id})
    return deck_import
