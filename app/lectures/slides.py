"""A lecture's slide sequence, and a slide of it as shown in a language."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.courses import service as courses
from app.courses.models import Course, Module, Slide
from app.lectures.errors import NoSuchSlide
from app.lectures.models import Lecture
from app.lectures.scheduling import planned_modules
from app.lectures.schemas import ShownSlide


@dataclass(frozen=True)
class SlideRef:
    module: str
    position: int
    area: str | None
    kind: str
    deck_number: int


def master_language(session: Session, lecture: Lecture) -> str:
    course = session.get(Course, lecture.course_id)
    return course.master_language if course else "ja"


def sequence(session: Session, lecture: Lecture) -> list[SlideRef]:
    """The master slides the presenter steps through: planned modules in order, no hidden slides."""
    planned = planned_modules(session, lecture)
    modules = {
        m.code: m
        for m in session.scalars(select(Module).where(Module.revision_id == lecture.revision_id))
    }
    rows = session.execute(
        select(Module.code, Slide.position, Slide.kind, Slide.deck_number, Slide.hidden)
        .join(Module, Slide.module_id == Module.id)
        .where(
            Module.revision_id == lecture.revision_id,
            Slide.language == master_language(session, lecture),
        )
        .order_by(Slide.position)
    ).all()
    by_module: dict[str, list[Any]] = defaultdict(list)
    for code, position, kind, number, hidden in rows:
        if not hidden:
            by_module[code].append((position, kind, number))
    return [
        SlideRef(code, position, modules[code].area_code, kind, number)
        for code in planned
        if code in modules
        for position, kind, number in by_module[code]
    ]


def find(refs: list[SlideRef], module: str | None, position: int | None) -> int | None:
    """The index of (module, position) in the sequence, or None."""
    return next(
        (i for i, r in enumerate(refs) if r.module == module and r.position == position), None
    )


def index_of(
    refs: list[SlideRef], lecture: Lecture, module: str | None, position: int | None
) -> int | None:
    """The asked-for slide (NoSuchSlide if not in the lecture), else the one on screen."""
    if module is not None:
        index = find(refs, module, position)
        if index is None:
            raise NoSuchSlide(module=module, position=position)
        return index
    return find(refs, lecture.current_module, lecture.current_position)


def slide_in(
    session: Session, lecture: Lecture, module: str, position: int, language: str
) -> ShownSlide:
    """The lecture's slide at (module, position) as shown in a language.

    The translation is shown only while it is current. A missing, stale or untranslated one
    falls back to the master slide (``fallback`` is then true): a trainee must not take an
    outdated translation of the law for the current one. NoSuchSlide when the master lacks it.
    """
    master = master_language(session, lecture)
    module_row = session.scalar(
        select(Module).where(Module.revision_id == lecture.revision_id, Module.code == module)
    )
    by_language = (
        {
            slide.language: slide
            for slide in session.scalars(
                select(Slide).where(Slide.module_id == module_row.id, Slide.position == position)
            )
        }
        if module_row is not None
        else {}
    )
    master_slide = by_language.get(master)
    if module_row is None or master_slide is None:
        raise NoSuchSlide(module=module, position=position)
    translated = by_language.get(language)
    shown = translated if translated is not None and translated.state == "current" else master_slide
    titles = module_row.titles
    return ShownSlide(
        module=module,
        position=position,
        area=module_row.area_code,
        title=titles.get(language) or titles.get(master) or module,
        title_language=language if titles.get(language) else master,
        language=shown.language,
        fallback=shown is master_slide and language != master,
        slide=courses.slide_out(shown),
    )
