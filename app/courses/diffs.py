"""What changed between two revisions of a course: slides added, removed and changed, per
module and language, with the text before and after (the revision diff page, API and CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.courses.models import Course, Slide
from app.courses.schemas import DiffOut, LanguageDiff, ModuleDiff, SlideChangeOut
from app.courses.service import get_revision, slides_by_module
from app.decks.alignment import match_sequences


def _diff_entry(change: str, old: Slide | None, new: Slide | None) -> SlideChangeOut:
    entry: dict[str, Any] = {"change": change}
    if old is not None:
        entry.update(
            old_position=old.position,
            old_slide=old.deck_number,
            old_title=old.title,
            old_text=old.text,
        )
    if new is not None:
        entry.update(
            new_position=new.position,
            new_slide=new.deck_number,
            new_title=new.title,
            new_text=new.text,
        )
    if change == "changed" and old is not None and new is not None and old.notes != new.notes:
        entry.update(old_notes=old.notes, new_notes=new.notes)
    return SlideChangeOut(**entry)


def diff_revisions(session: Session, course: Course, a: int, b: int) -> DiffOut:
    """List added, removed and changed slides per module and language between two revisions."""
    old_revision, new_revision = get_revision(session, course, a), get_revision(session, course, b)
    old_slides, new_slides = (
        slides_by_module(session, old_revision),
        slides_by_module(session, new_revision),
    )
    old_modules = {module.code: module for module in old_revision.modules}
    new_modules = {module.code: module for module in new_revision.modules}
    codes = [m.code for m in new_revision.modules] + [
        m.code for m in old_revision.modules if m.code not in new_modules
    ]
    totals = {"added": 0, "removed": 0, "changed": 0}
    modules_out = []
    for code in codes:
        old_module, new_module = old_modules.get(code), new_modules.get(code)
        old_by_language = old_slides.get(old_module.id, {}) if old_module else {}
        new_by_language = new_slides.get(new_module.id, {}) if new_module else {}
        languages_out = []
        for language in sorted(set(old_by_language) | set(new_by_language)):
            before, after = old_by_language.get(language, []), new_by_language.get(language, [])
            changes: dict[str, list[SlideChangeOut]] = {"added": [], "removed": [], "changed": []}
            for i, j, change in match_sequences(
                [s.content_hash for s in before], [s.content_hash for s in after]
            ):
                if change == "equal":
                    continue
                old = before[i] if i is not None else None
                new = after[j] if j is not None else None
                changes[change].append(_diff_entry(change, old, new))
                totals[change] += 1
            if any(changes.values()):
                languages_out.append(LanguageDiff(language=language, **changes))
        status = (
            "added"
            if old_module is None
            else "removed"
            if new_module is None
            else ("changed" if languages_out else "unchanged")
        )
        titles = (new_module or old_module).titles  # type: ignore[union-attr]
        modules_out.append(
            ModuleDiff(code=code, titles=titles, status=status, languages=languages_out)
        )
    return DiffOut(course=course.code, from_=a, to=b, summary=totals, modules=modules_out)
