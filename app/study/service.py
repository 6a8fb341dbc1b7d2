"""Self-study time and answers, and the published modules a trainee may study.

Self-study is kept apart from lecture time: it counts toward the 8 hours only where a
course definition says so (``self_study_counts``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cohorts import languages as cohort_languages
from app.cohorts.models import Trainee
from app.courses import access as course_access
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.courses.models import Module, Revision, Slide
from app.db import utcnow
from app.lectures import credit
from app.lectures.models import QuizAnswer
from app.study.errors import (
    NotAChoice,
    NotAStudyQuiz,
    StudyModuleNotFound,
    StudyRevisionChanged,
)
from app.study.models import StudySession
from app.study.schemas import (
    StudyAnswerResult,
    StudyCourse,
    StudyModule,
    StudyModuleRef,
    StudyPingRead,
    StudyScore,
)


def published(session: Session, definition: CourseDefinition) -> Revision | None:
    return courses.published_revision(session, courses.ensure_course(session, definition))


def _published_module(
    session: Session, definition: CourseDefinition, module_code: str
) -> tuple[Revision, Module]:
    revision = published(session, definition)
    module = (
        next((m for m in revision.modules if m.code == module_code), None) if revision else None
    )
    if revision is None or module is None:
        raise StudyModuleNotFound(course=definition.code, module=module_code)
    return revision, module


def ping(
    session: Session,
    trainee: Trainee,
    definition: CourseDefinition,
    module_code: str,
    *,
    gap_limit: timedelta,
) -> StudyPingRead:
    """Count active, visible self-study time on a module of the published revision."""
    revision, module = _published_module(session, definition, module_code)
    now = utcnow()
    current = session.scalar(
        select(StudySession)
        .where(
            StudySession.trainee_id == trainee.id,
            StudySession.module_code == module_code,
            StudySession.revision_id == revision.id,
        )
        .order_by(StudySession.id.desc())
    )
    if current is not None and now - current.last_seen_at <= gap_limit:
        current.last_seen_at = now
    else:
        session.add(
            StudySession(
                trainee_id=trainee.id,
                revision_id=revision.id,
                module_code=module_code,
                area_code=module.area_code,
                started_at=now,
                last_seen_at=now,
            )
        )
    session.flush()
    return StudyPingRead(module=module_code, at=now)


def minutes(session: Session, trainee_id: int) -> dict[str, int]:
    """Self-study minutes per area (shown apart from lecture time)."""
    totals: dict[str, float] = defaultdict(float)
    for row in session.scalars(select(StudySession).where(StudySession.trainee_id == trainee_id)):
        totals[row.area_code or ""] += (row.last_seen_at - row.started_at).total_seconds()
    return credit.to_minutes(totals)


def answer(
    session: Session,
    trainee: Trainee,
    definition: CourseDefinition,
    module_code: str,
    position: int,
    choice: str,
    revision_number: int | None = None,
) -> StudyAnswerResult:
    """Answer a module quiz in self-study; the latest answer per question counts.

    The key is the published revision's master key, never a superseded translation's; an
    answer from a page opened before a newer revision was published is refused
    (StudyRevisionChanged), since its question may no longer be the one the key is for.
    """
    revision, _module = _published_module(session, definition, module_code)
    if revision_number is not None and revision_number != revision.number:
        raise StudyRevisionChanged()
    quiz = courses.quiz_at(session, revision.id, module_code, position, definition.master_language)
    if quiz is None:
        raise NotAStudyQuiz()
    choice = choice.strip().upper()[:1]
    if choice not in [c["label"] for c in quiz["choices"]]:
        raise NotAChoice()
    correct = choice == quiz["answer"]
    chain = _chain(session, trainee, definition)
    shown = courses.shown_slide(session, revision.id, module_code, position, chain)
    shown_quiz = (shown.quiz if shown is not None else None) or quiz
    session.add(
        QuizAnswer(
            poll_id=None,
            trainee_id=trainee.id,
            revision_id=revision.id,
            module_code=module_code,
            position=position,
            choice=choice,
            correct=correct,
            language=shown.language if shown is not None else definition.master_language,
        )
    )
    session.flush()
    return StudyAnswerResult(
        correct=correct, answer=quiz["answer"], explanation=shown_quiz.get("explanation", "")
    )


def _chain(session: Session, trainee: Trainee, definition: CourseDefinition) -> list[str]:
    """The trainee's language chain, limited to the languages the course is offered in."""
    return [
        tag
        for tag in cohort_languages.trainee_chain(session, trainee, definition.master_language)
        if tag in definition.languages
    ]


def _titled(titles: dict[str, str], languages: list[str], master: str) -> tuple[str | None, str]:
    """A module's title in the first language of the chain that has one, and that language."""
    language = next((tag for tag in languages if titles.get(tag)), master)
    return titles.get(language), language


def _module_ref(
    code: str,
    titles: dict[str, str],
    languages: list[str],
    master: str,
    score: StudyScore | None = None,
) -> StudyModuleRef:
    title, title_language = _titled(titles, languages, master)
    return StudyModuleRef(code=code, title=title, title_language=title_language, score=score)


def scores(
    session: Session, revision: Revision, master_language: str, trainee_id: int
) -> dict[str, StudyScore]:
    """The trainee's self-study quiz score per module of the revision (modules they answered
    a quiz of): the latest answer to each question counts, out of the module's quiz slides."""
    questions = dict(
        session.execute(
            select(Module.code, func.count(Slide.id))
            .join(Slide, Slide.module_id == Module.id)
            .where(
                Module.revision_id == revision.id,
                Slide.language == master_language,
                Slide.kind == "quiz",
                Slide.hidden.is_(False),
            )
            .group_by(Module.code)
        ).all()
    )
    latest: dict[tuple[str, int], QuizAnswer] = {}
    for row in session.scalars(
        select(QuizAnswer)
        .where(
            QuizAnswer.trainee_id == trainee_id,
            QuizAnswer.revision_id == revision.id,
            QuizAnswer.poll_id.is_(None),
        )
        .order_by(QuizAnswer.id)
    ):
        latest[(row.module_code, row.position)] = row
    by_module: dict[str, list[QuizAnswer]] = defaultdict(list)
    for (code, _position), row in latest.items():
        by_module[code].append(row)
    return {
        code: StudyScore(
            correct=sum(1 for row in rows if row.correct),
            answered=len(rows),
            questions=max(questions.get(code, 0), len(rows)),
            at=max(row.answered_at for row in rows),
        )
        for code, rows in by_module.items()
    }


def catalogue(
    session: Session,
    definitions: dict[str, CourseDefinition],
    language: str,
    fallbacks: list[str] | None = None,
    trainee_id: int | None = None,
) -> list[StudyCourse]:
    """The published modules of every course, titled in the language, else along its
    fallbacks (a trainee's chain), else in the master language; with the trainee's
    self-study quiz score on each when ``trainee_id`` is given."""
    courses_out = []
    for definition in definitions.values():
        revision = published(session, definition)
        if revision is None:
            continue
        master = definition.master_language
        languages = [language, *(fallbacks or [])]
        scored = scores(session, revision, master, trainee_id) if trainee_id else {}
        courses_out.append(
            StudyCourse(
                course=definition.code,
                title=definition.title(language),
                self_study_counts=definition.self_study_counts,
                total_minimum_minutes=definition.total_minimum_minutes,
                modules=[
                    _module_ref(m.code, m.titles, languages, master, scored.get(m.code))
                    for m in revision.modules
                ],
            )
        )
    return courses_out


def module(
    session: Session, trainee: Trainee, definition: CourseDefinition, module_code: str
) -> StudyModule:
    """A published module along the trainee's language chain, as
    ``courses.service.module_slides`` gives it, in the trainee view (``courses.access``): the
    page must not give answers away, nor show a translation the revision made stale."""
    revision, module_row = _published_module(session, definition, module_code)
    chain = _chain(session, trainee, definition)
    language = chain[0]
    slides = course_access.trainee_module(
        courses.module_slides(session, revision, definition, module_code, language, chain)
    )
    master = definition.master_language
    title, title_language = _titled(module_row.titles, chain, master)
    return StudyModule(
        **slides.model_dump(exclude={"slides", "title"}),
        title=title,
        slides=slides.slides,
        master_language=master,
        title_language=title_language,
    )
