"""Queries and changes on courses, revisions, modules and slides. Services flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, String, cast, delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.clock import JAPAN
from app.courses import chains
from app.courses.definitions import CourseDefinition
from app.courses.errors import (
    AreaFixedByDefinition,
    CourseNotFound,
    ImportNotFound,
    ModuleNotFound,
    PublishConflict,
    RevisionNotDiscardable,
    RevisionNotFound,
    UnknownArea,
    UnmappedModules,
)
from app.courses.models import (
    Course,
    DeckImport,
    Module,
    ModuleAreaAssignment,
    Revision,
    RevisionLanguage,
    Slide,
)
from app.courses.schemas import ModuleSlides, RenderProgress, SlideRead
from app.db import dialect_insert, utcnow
from app.decks.alignment import MasterModule, MasterSlide
from app.files.models import Blob
from app.i18n import N_, gettext
from app.lectures.models import LectureEvidence


def ensure_course(session: Session, definition: CourseDefinition) -> Course:
    """Return the course row for a definition, creating it on first use.

    Two requests may both use a new course first: the insert ignores the one that loses.
    """
    course = session.scalar(select(Course).where(Course.code == definition.code))
    if course is None:
        bind = session.get_bind()
        assert isinstance(bind, Engine | Connection)
        session.execute(
            dialect_insert(bind)(Course)
            .values(
                code=definition.code,
                program=definition.program,
                master_language=definition.master_language,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[Course.code])
        )
        course = session.scalars(select(Course).where(Course.code == definition.code)).one()
    return course


def get_definition(definitions: dict[str, CourseDefinition], code: str) -> CourseDefinition:
    try:
        return definitions[code]
    except KeyError:
        raise CourseNotFound(course=code) from None


def latest_revision(session: Session, course: Course) -> Revision | None:
    return session.scalar(
        select(Revision).where(Revision.course_id == course.id).order_by(Revision.number.desc())
    )


def published_revision(session: Session, course: Course) -> Revision | None:
    """Return the revision new cohorts are taught: the latest published one."""
    return session.scalar(
        select(Revision)
        .where(Revision.course_id == course.id, Revision.status == "published")
        .order_by(Revision.number.desc())
    )


def get_revision(session: Session, course: Course, number: int) -> Revision:
    revision = session.scalar(
        select(Revision).where(Revision.course_id == course.id, Revision.number == number)
    )
    if revision is None:
        raise RevisionNotFound(course=course.code, revision=number)
    return revision


def list_revisions(session: Session, course: Course) -> list[Revision]:
    return list(
        session.scalars(
            select(Revision).where(Revision.course_id == course.id).order_by(Revision.number.desc())
        )
    )


def next_revision_number(session: Session, course: Course) -> int:
    """The number the course's next revision gets; call lock_revisions first."""
    current = session.scalar(
        select(func.max(Revision.number)).where(Revision.course_id == course.id)
    )
    return (current or 0) + 1


def lock_revisions(session: Session, course: Course) -> None:
    """Hold the course's row until the transaction ends, so revisions are numbered one at a time.

    Two master decks imported at once both read the same latest number otherwise. A no-op
    UPDATE locks the row on PostgreSQL (like SELECT ... FOR UPDATE) and takes SQLite's write
    lock now, so the second import waits and then numbers its revision after the first.
    """
    session.execute(update(Course).where(Course.id == course.id).values(code=Course.code))


def unmapped_modules(revision: Revision) -> list[str]:
    """The codes of a revision's modules without a statutory area."""
    return [module.code for module in revision.modules if module.area_code is None]


def publish(
    session: Session, course: Course, number: int, actor: Principal | None = None
) -> Revision:
    """Make a draft revision the one new cohorts are taught; earlier ones stay readable.

    Refused (UnmappedModules) while a module has no statutory area: its time would count
    toward none. Audited.
    """
    revision = get_revision(session, course, number)
    if revision.status == "published":
        raise PublishConflict(N_("Revision {revision} is already published."), revision=number)
    current = published_revision(session, course)
    if current is not None and current.number > number:
        raise PublishConflict(
            N_("Revision {revision} is older than the published revision {current}."),
            revision=number,
            current=current.number,
        )
    unmapped = unmapped_modules(revision)
    if unmapped:
        raise UnmappedModules(modules=", ".join(unmapped))
    revision.status = "published"
    revision.published_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        action="publish",
        entity="revision",
        entity_id=revision.id,
        cooperative_id=None,
        summary=f"{course.code} r{number}",
        changes={"course": course.code, "revision": number},
    )
    return revision


def discard(session: Session, course: Course, number: int, actor: Principal | None) -> None:
    """Delete a draft revision with its imports, modules and slides; audited.

    Only the latest revision, and only a draft: a published one may have been taught, and an
    earlier draft's translations are carried in the later revision. Files no row needs any
    more lose their blob rows, so ``koshu gc-files`` removes them.
    """
    revision = get_revision(session, course, number)
    if revision.status == "published":
        raise RevisionNotDiscardable(
            N_("Revision {revision} is published and may have been taught; it stays."),
            revision=number,
        )
    latest = latest_revision(session, course)
    if latest is not None and latest.number != number:
        raise RevisionNotDiscardable(
            N_(
                "Revision {revision} is not the latest: revision {latest} was made from it. "
                "Discard revision {latest} first."
            ),
            revision=number,
            latest=latest.number,
        )
    imports = imports_for_revision(session, revision)
    module_ids = [module.id for module in revision.modules]
    slides = list(session.scalars(select(Slide).where(Slide.module_id.in_(module_ids))))
    files = {deck_import.file_sha256 for deck_import in imports}
    for slide in slides:
        files.update(sha for sha in (slide.image_sha256, slide.thumb_sha256) if sha)
        files.update(
            block["sha256"]
            for block in slide.blocks
            if isinstance(block, dict) and isinstance(block.get("sha256"), str)
        )
    session.execute(delete(Slide).where(Slide.module_id.in_(module_ids)))
    session.execute(delete(Module).where(Module.revision_id == revision.id))
    session.execute(delete(RevisionLanguage).where(RevisionLanguage.revision_id == revision.id))
    session.execute(delete(DeckImport).where(DeckImport.revision_id == revision.id))
    session.execute(delete(Revision).where(Revision.id == revision.id))
    session.expire_all()
    _forget_unused_files(session, files)
    audit.record(
        session,
        actor,
        action="discard",
        entity="revision",
        entity_id=revision.id,
        cooperative_id=None,
        summary=f"{course.code} r{number}",
        changes={
            "course": course.code,
            "revision": number,
            "imports": [f"{i.language} {i.filename}" for i in imports],
        },
    )
    session.flush()


def _forget_unused_files(session: Session, candidates: set[str]) -> None:
    """Delete the blob rows of these files that no import, slide or evidence names any more."""
    for sha in sorted(candidates):
        used = (
            session.scalar(select(DeckImport.id).where(DeckImport.file_sha256 == sha).limit(1))
            or session.scalar(
                select(Slide.id)
                .where(
                    (Slide.image_sha256 == sha)
                    | (Slide.thumb_sha256 == sha)
                    | cast(Slide.blocks, String).contains(sha)
                )
                .limit(1)
            )
            or session.scalar(
                select(LectureEvidence.id).where(LectureEvidence.blob_sha256 == sha).limit(1)
            )
        )
        if not used:
            session.execute(delete(Blob).where(Blob.sha256 == sha))


def area_assignments(session: Session, course: Course) -> dict[str, str]:
    rows = session.scalars(
        select(ModuleAreaAssignment).where(ModuleAreaAssignment.course_id == course.id)
    )
    return {row.module_code: row.area_code for row in rows}


def resolve_area(
    definition: CourseDefinition, assignments: dict[str, str], code: str
) -> tuple[str | None, int | None]:
    """Return a module code's statutory area and planned minutes (None when unmapped)."""
    spec = definition.module(code)
    if spec is not None:
        return spec.area, spec.planned_minutes
    return assignments.get(code), None


def assign_area(
    session: Session, definition: CourseDefinition, course: Course, module_code: str, area: str
) -> int:
    """Give an unmapped module code its statutory area in every revision; return modules changed."""
    if definition.area(area) is None:
        raise UnknownArea(
            course=course.code, area=area, areas=", ".join(a.code for a in definition.areas)
        )
    spec = definition.module(module_code)
    if spec is not None and spec.area != area:
        raise AreaFixedByDefinition(module=module_code, area=spec.area)
    exists = session.scalar(
        select(func.count(Module.id))
        .join(Revision, Module.revision_id == Revision.id)
        .where(Revision.course_id == course.id, Module.code == module_code)
    )
    if not exists:
        raise ModuleNotFound(course=course.code, module=module_code)
    assignment = session.scalar(
        select(ModuleAreaAssignment).where(
            ModuleAreaAssignment.course_id == course.id,
            ModuleAreaAssignment.module_code == module_code,
        )
    )
    if assignment is None:
        session.add(
            ModuleAreaAssignment(course_id=course.id, module_code=module_code, area_code=area)
        )
    else:
        assignment.area_code = area
    revision_ids = select(Revision.id).where(Revision.course_id == course.id)
    result = session.execute(
        update(Module)
        .where(Module.revision_id.in_(revision_ids), Module.code == module_code)
        .values(area_code=area)
    )
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def slides_by_module(
    session: Session, revision: Revision, language: str | None = None
) -> dict[int, dict[str, list[Slide]]]:
    """Return {module id: {language: slides in order}} for a revision in one query."""
    query = (
        select(Slide)
        .join(Module, Slide.module_id == Module.id)
        .where(Module.revision_id == revision.id)
        .order_by(Slide.module_id, Slide.language, Slide.position)
    )
    if language is not None:
        query = query.where(Slide.language == language)
    grouped: dict[int, dict[str, list[Slide]]] = defaultdict(lambda: defaultdict(list))
    for slide in session.scalars(query):
        grouped[slide.module_id][slide.language].append(slide)
    return grouped


def master_modules(
    session: Session, revision: Revision, master_language: str
) -> list[MasterModule]:
    """Return the revision's master slides in the shape alignment works on."""
    slides = slides_by_module(session, revision, master_language)
    return [
        MasterModule(
            code=module.code,
            position=module.position,
            slides=[
                MasterSlide(
                    position=slide.position,
                    kind=slide.kind,
                    text=slide.text,
                    content_hash=slide.content_hash,
                    answer=(slide.quiz or {}).get("answer"),
                )
                for slide in slides[module.id][master_language]
            ],
        )
        for module in revision.modules
    ]


def language_summary(
    session: Session, revision: Revision, master_language: str, language: str
) -> dict[str, int]:
    """Count a language's slides of a revision by state, and the master slides it lacks."""
    master_counts = dict(
        session.execute(
            select(Slide.module_id, func.count(Slide.id))
            .join(Module, Slide.module_id == Module.id)
            .where(Module.revision_id == revision.id, Slide.language == master_language)
            .group_by(Slide.module_id)
        ).all()
    )
    state_counts = dict(
        session.execute(
            select(Slide.state, func.count(Slide.id))
            .join(Module, Slide.module_id == Module.id)
            .where(Module.revision_id == revision.id, Slide.language == language)
            .group_by(Slide.state)
        ).all()
    )
    total = sum(master_counts.values())
    have = sum(state_counts.values())
    return {
        "total": total,
        "current": state_counts.get("current", 0),
        "stale": state_counts.get("stale", 0),
        "untranslated": state_counts.get("untranslated", 0),
        "missing": max(total - have, 0),
    }


def set_language_status(
    session: Session,
    revision: Revision,
    master_language: str,
    language: str,
    import_id: int | None,
) -> RevisionLanguage:
    """Record how complete a language is for a revision.

    complete: every master slide has a current translation. stale: carried over from an
    earlier revision and some master slides changed or were added since. incomplete: a deck
    was uploaded for this revision but slides are missing or untranslated.
    """
    summary = language_summary(session, revision, master_language, language)
    if language == master_language or summary["current"] == summary["total"]:
        status = "complete"
    elif import_id is None and (summary["stale"] or summary["missing"]):
        status = "stale"
    else:
        status = "incomplete"
    row = session.scalar(
        select(RevisionLanguage).where(
            RevisionLanguage.revision_id == revision.id, RevisionLanguage.language == language
        )
    )
    if row is None:
        row = RevisionLanguage(
            revision_id=revision.id,
            language=language,
            status=status,
            import_id=import_id,
            summary=summary,
        )
        session.add(row)
    else:
        row.status, row.import_id, row.summary = status, import_id, summary
    session.flush()
    return row


def language_statuses(
    session: Session, revision: Revision, definition: CourseDefinition
) -> list[dict[str, Any]]:
    """Every offered language with its status for the revision (``missing`` when no deck yet)."""
    rows = {
        row.language: row
        for row in session.scalars(
            select(RevisionLanguage).where(RevisionLanguage.revision_id == revision.id)
        )
    }
    statuses = []
    for language in definition.languages:
        row = rows.get(language)
        statuses.append(
            {
                "language": language,
                "status": row.status if row else "missing",
                "import_id": row.import_id if row else None,
                **(row.summary if row else {}),
            }
        )
    return statuses


def imports_for_revision(session: Session, revision: Revision) -> list[DeckImport]:
    return list(
        session.scalars(
            select(DeckImport).where(DeckImport.revision_id == revision.id).order_by(DeckImport.id)
        )
    )


def get_import(session: Session, course: Course, import_id: int) -> DeckImport:
    deck_import = session.get(DeckImport, import_id)
    if deck_import is None or deck_import.course_id != course.id:
        raise ImportNotFound(course=course.code, import_id=import_id)
    return deck_import


def course_summary(
    session: Session, definition: CourseDefinition, language: str = "ja"
) -> dict[str, Any]:
    """A course as lists show it: named (with program and effective date) in the language."""
    course = ensure_course(session, definition)
    published, latest = published_revision(session, course), latest_revision(session, course)
    return {
        "code": definition.code,
        "label": definition.label(language),
        "program": definition.program,
        "program_title": definition.program_title(language),
        "in_force": definition.in_force(utcnow().astimezone(JAPAN).date()),
        "titles": definition.titles,
        "master_language": definition.master_language,
        "languages": definition.languages,
        "effective_from": definition.effective_from,
        "total_minimum_minutes": definition.total_minimum_minutes,
        "areas": [area.model_dump() for area in definition.areas],
        "published_revision": published.number if published else None,
        "latest_revision": latest.number if latest else None,
    }


def revision_modules(
    session: Session, revision: Revision, definition: CourseDefinition
) -> list[dict[str, Any]]:
    """Each module with its area and, per language, how many slides and in which states."""
    slides = slides_by_module(session, revision)
    modules = []
    for module in revision.modules:
        by_language = slides.get(module.id, {})
        master = by_language.get(definition.master_language, [])
        modules.append(
            {
                "code": module.code,
                "position": module.position,
                "titles": module.titles,
                "area": module.area_code,
                "planned_minutes": module.planned_minutes,
                "slides": len(master),
                "quiz_slides": sum(1 for slide in master if slide.kind == "quiz"),
                "languages": {
                    language: {
                        "slides": len(items),
                        "stale": sum(1 for s in items if s.state == "stale"),
                        "untranslated": sum(1 for s in items if s.state == "untranslated"),
                    }
                    for language, items in by_language.items()
                },
            }
        )
    return modules


def slide_out(slide: Slide, *, fallback: bool = False) -> SlideRead:
    return SlideRead(
        position=slide.position,
        slide=slide.deck_number,
        language=slide.language,
        kind=slide.kind,
        title=slide.title,
        blocks=slide.blocks,
        notes=slide.notes,
        hidden=slide.hidden,
        state=slide.state,
        quiz=slide.quiz,
        image=slide.image_sha256,
        thumbnail=slide.thumb_sha256,
        fallback=fallback,
    )


def module_slides(
    session: Session,
    revision: Revision,
    definition: CourseDefinition,
    code: str,
    language: str,
    languages: list[str] | None = None,
) -> ModuleSlides:
    """Return a module's slides in a language, each falling back to the master when missing.

    For editors a stale or untranslated slide is still shown in the language, flagged. With
    ``languages`` (a trainee's chain, see ``app.courses.chains``) each slide is the first
    current one along the chain instead: a trainee never reads a superseded translation.
    A quiz always carries the master's answer key.
    """
    module = next((m for m in revision.modules if m.code == code), None)
    if module is None:
        raise ModuleNotFound(course=revision.course.code, module=code)
    master_language = definition.master_language
    by_language = slides_by_module(session, revision).get(module.id, {})
    at = {tag: {slide.position: slide for slide in items} for tag, items in by_language.items()}
    out = []
    for master_slide in by_language.get(master_language, []):
        candidates = {
            tag: slides[master_slide.position]
            for tag, slides in at.items()
            if master_slide.position in slides
        }
        if languages is None:
            shown = candidates.get(language, master_slide)
        else:
            shown = chains.pick(candidates, languages, master_language) or master_slide
        item = slide_out(shown, fallback=shown.language != language)
        if shown.quiz is not None and master_slide.quiz is not None:
            item.quiz = {**shown.quiz, "answer": master_slide.quiz["answer"]}
        out.append(item)
    return ModuleSlides(
        course=revision.course.code,
        revision=revision.number,
        module=module.code,
        title=module.titles.get(language) or module.titles.get(master_language),
        area=module.area_code,
        language=language,
        slides=out,
    )


def shown_slide(
    session: Session, revision_id: int, module: str, position: int, languages: list[str]
) -> Slide | None:
    """A revision's slide as a trainee with this language chain sees it (master last)."""
    candidates = {
        slide.language: slide
        for slide in session.scalars(
            select(Slide)
            .join(Module, Slide.module_id == Module.id)
            .where(
                Module.revision_id == revision_id,
                Module.code == module,
                Slide.position == position,
                Slide.language.in_(languages),
            )
        )
    }
    return chains.pick(candidates, languages, languages[-1])


def localize_report(report: dict[str, Any], language: str) -> dict[str, Any]:
    """Return the stored report with its problem messages in the reader's language."""
    from app.decks.problems import Problem

    problems = [
        {**item, "message": Problem.from_report(item).text(language)}
        for item in report.get("problems", [])
    ]
    return {**report, "problems": problems}


def render_progress(
    session: Session, course: Course, deck_import: DeckImport, language: str
) -> RenderProgress:
    """The import's rendering as a share of its pages; 100 only once the images are stored.

    The error, if it failed, is in ``language``."""
    total, status = deck_import.slide_count, deck_import.render_status
    revision = session.get(Revision, deck_import.revision_id)
    pages = total if status == "done" else min(deck_import.rendered_pages, total)
    percent = 100 if status == "done" else min(99, (100 * pages) // total) if total else 0
    return RenderProgress(
        import_id=deck_import.id,
        status=status,
        pages=pages,
        total=total,
        percent=percent,
        finished=status not in ("queued", "running"),
        error=gettext(language, deck_import.render_error) if deck_import.render_error else None,
        result_url=f"/courses/{course.code}/revisions/{revision.number}"
        if status == "done" and revision is not None
        else None,
    )


def rendered_count(session: Session, deck_import: DeckImport) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(Slide.deck_number))).where(
                Slide.import_id == deck_import.id, Slide.image_sha256.is_not(None)
            )
        )
        or 0
    )


def quiz_at(
    session: Session, revision_id: int, module: str, position: int, language: str
) -> dict[str, Any] | None:
    """The quiz of a revision's slide (question, choices, answer, explanation), or None."""
    return session.scalar(
        select(Slide.quiz)
        .join(Module, Slide.module_id == Module.id)
        .where(
            Module.revision_id == revision_id,
            Module.code == module,
            Slide.position == position,
            Slide.language == language,
        )
    )
