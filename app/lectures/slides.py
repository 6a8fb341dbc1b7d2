"""A lecture's slide sequence, and a slide of it as shown in a language."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.courses import chains
from app.courses import service as courses
from app.courses.models import Course, Module, Slide
from app.lectures.errors import NoSuchSlide
from app.lectures.models import Lecture, LectureEvent
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
    session: Session, lecture: Lecture, module: str, position: int, languages: list[str]
) -> ShownSlide:
    """The lecture's slide at (module, position) as shown to a reader of a language chain
    (a trainee's km → en; the presenter's one language), the master language last.

    A translation is shown only while it is current. A missing, stale or untranslated one
    falls back along the chain (``fallback`` is then true): a trainee must not take an
    outdated translation of the law for the current one. NoSuchSlide when the master lacks it.
    """
    master = master_language(session, lecture)
    ordered = chains.chain(languages[0], languages[1:], master)
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
    if module_row is None or master not in by_language:
        raise NoSuchSlide(module=module, position=position)
    shown = chains.pick(by_language, ordered, master) or by_language[master]
    titles = module_row.titles
    title_language = next((tag for tag in ordered if titles.get(tag)), master)
    return ShownSlide(
        module=module,
        position=position,
        area=module_row.area_code,
        title=titles.get(title_language) or module,
        title_language=title_language,
        language=shown.language,
        fallback=shown.language != ordered[0],
        slide=courses.slide_out(shown),
    )


def shown_keys(session: Session, lecture: Lecture) -> list[tuple[str, int]]:
    """The slides the lecture showed, in the order first shown; for a lecture recorded
    afterwards (its timeline has only where each area began), the slides it planned."""
    if lecture.recorded_via != "live":
        return [(ref.module, ref.position) for ref in sequence(session, lecture)]
    shown = session.execute(
        select(LectureEvent.module_code, LectureEvent.position)
        .where(
            LectureEvent.lecture_id == lecture.id,
            LectureEvent.kind.in_(("start", "slide", "resume")),
            LectureEvent.module_code.is_not(None),
            LectureEvent.position.is_not(None),
        )
        .order_by(LectureEvent.id)
    ).all()
    keys = [(str(code), int(position)) for code, position in shown]
    if not keys:
        keys = [(ref.module, ref.position) for ref in sequence(session, lecture)]
    return list(dict.fromkeys(keys))


def slide_states(session: Session, lecture: Lecture) -> dict[tuple[str, int], dict[str, str]]:
    """{(module, position): {language: state}} of every slide of the lecture's revision."""
    states: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    for code, position, language, state in session.execute(
        select(Module.code, Slide.position, Slide.language, Slide.state)
        .join(Module, Slide.module_id == Module.id)
        .where(Module.revision_id == lecture.revision_id)
    ):
        states[(code, position)][language] = state
    return states


def languages_shown(
    keys: list[tuple[str, int]],
    states: dict[tuple[str, int], dict[str, str]],
    languages: list[str],
    master: str,
) -> tuple[str, dict[str, str]]:
    """The language most of these slides were shown in to a reader of the chain, and each
    slide's: ("en", {"LP-02/1": "en", ...}). The master when no slide was shown."""
    ordered = chains.chain(languages[0], languages[1:], master)
    shown = {
        f"{code}/{position}": language
        for code, position in keys
        if (language := chains.pick_language(states.get((code, position), {}), ordered, master))
    }
    if not shown:
        return master, {}
    counts = Counter(shown.values())
    return max(ordered, key=lambda tag: counts.get(tag, 0)), shown
