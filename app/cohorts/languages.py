"""Trainees' language chains, and what a cohort's trainees will see where a language has no
complete translation of the published revision (warned about when the cohort is created or
its trainee list imported)."""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cohorts.errors import UnknownLanguage
from app.cohorts.models import Cohort, Trainee
from app.cohorts.schemas import LanguageWarning
from app.courses import chains
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.courses.models import RevisionLanguage
from app.i18n import N_, gettext
from app.languages import is_known, language_name

NO_TRANSLATION = N_("{language}: no translation. Shown in {shown}.")
INCOMPLETE = N_(
    "{language}: the translation is incomplete or out of date. Those slides are shown in {shown}."
)
NOTHING_PUBLISHED = N_(
    "The course {course} has no published revision yet: trainees have nothing to follow."
)


def checked(tags: Iterable[str] | None) -> list[str] | None:
    """The fallback languages as given, each once; UnknownLanguage for a tag Koshu lacks."""
    if tags is None:
        return None
    ordered: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if not tag:
            continue
        if not is_known(tag):
            raise UnknownLanguage(language=tag[:20])
        if tag not in ordered:
            ordered.append(tag)
    return ordered


def parse_tags(text: str | None) -> list[str] | None:
    """A form's "en, ja" or "en → ja" as tags; None for an empty field."""
    if text is None or not text.strip():
        return None
    return checked(text.replace("→", ",").replace(">", ",").replace(" ", ",").split(","))


def trainee_chain(session: Session, trainee: Trainee, master: str) -> list[str]:
    """The languages a trainee is shown slides in, in order: theirs, fallbacks, the master."""
    fallbacks = trainee.fallback_languages
    if fallbacks is None:
        cohort = session.get(Cohort, trainee.cohort_id)
        fallbacks = cohort.fallback_languages if cohort is not None else []
    return chains.chain(trainee.preferred_language, fallbacks, master)


def language_label(tag: str, reader: str) -> str:
    """A language's name in the reader's language (クメール語), else its own name."""
    try:
        names = Locale.parse(reader.replace("-", "_")).languages
    except (ValueError, TypeError):
        return language_name(tag)
    return str(
        names.get(tag.replace("-", "_")) or names.get(tag.split("-")[0]) or language_name(tag)
    )


def warnings(
    session: Session, cohort: Cohort, definition: CourseDefinition, reader: str
) -> list[LanguageWarning]:
    """Every language of the cohort (and of its trainees) without a complete translation of
    the published revision, with the language its trainees are shown instead: along the
    cohort's chain, or a trainee's own where they have one (one warning per language shown)."""
    master = definition.master_language
    revision = courses.published_revision(session, courses.ensure_course(session, definition))
    if revision is None:
        message = gettext(reader, NOTHING_PUBLISHED, course=definition.title(reader))
        return [LanguageWarning(language="", status="unpublished", shown="", message=message)]
    statuses = dict(
        session.execute(
            select(RevisionLanguage.language, RevisionLanguage.status).where(
                RevisionLanguage.revision_id == revision.id
            )
        ).all()
    )
    complete = {tag for tag, status in statuses.items() if status == "complete"}
    trainees = session.execute(
        select(Trainee.preferred_language, Trainee.fallback_languages).where(
            Trainee.cohort_id == cohort.id
        )
    ).all()
    readers = [(tag, cohort.fallback_languages) for tag in cohort.languages] + sorted(
        ((tag, own if own is not None else cohort.fallback_languages) for tag, own in trainees),
        key=lambda reader: reader[0],
    )
    found = []
    warned: set[tuple[str, str]] = set()
    for tag, fallbacks in readers:
        if tag == master or tag in complete:
            continue
        shown = chains.first_complete(chains.chain(tag, fallbacks, master)[1:], complete, master)
        if (tag, shown) in warned:
            continue
        warned.add((tag, shown))
        status = statuses.get(tag, "missing")
        message = gettext(
            reader,
            NO_TRANSLATION if status == "missing" else INCOMPLETE,
            language=language_label(tag, reader),
            shown=language_label(shown, reader),
        )
        found.append(LanguageWarning(language=tag, status=status, shown=shown, message=message))
    return found


def cohort_warnings(
    session: Session, cohort: Cohort, definitions: dict[str, CourseDefinition], reader: str
) -> list[LanguageWarning]:
    """``warnings`` for the cohort's own course (none for a course no longer defined)."""
    definition = definitions.get(cohort.course_code)
    return warnings(session, cohort, definition, reader) if definition is not None else []
