"""Split a deck's slides into modules and tell quiz slides from lecture content."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.decks.content import DeckContent, SlideContent
from app.decks.problems import Problem
from app.decks.quiz import is_quiz, parse_quiz
from app.i18n import N_

# "LP-02 出入国管理" -> code "LP-02", title "出入国管理"; a plain title has no code.
_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9]*[-_.]?\d+[A-Za-z0-9-]*)(?:\s*[:：]\s*|\s+|$)(.*)$", re.S)


@dataclass
class ParsedSlide:
    content: SlideContent
    kind: str  # content | quiz
    quiz: dict[str, Any] | None = None


@dataclass
class ParsedModule:
    position: int
    code: str
    title: str
    slides: list[ParsedSlide] = field(default_factory=list)


def code_and_title(name: str, position: int) -> tuple[str, str]:
    """Return the module code from a section name's leading token, else the position."""
    match = _CODE.match(name.strip())
    if match:
        return match.group(1), match.group(2).strip() or name.strip()
    return str(position), name.strip()


def _groups(deck: DeckContent, problems: list[Problem]) -> list[tuple[str, list[SlideContent]]]:
    slides = deck.slides
    if deck.sections:
        section_of = {
            slide_id: index
            for index, section in enumerate(deck.sections)
            for slide_id in section.slide_ids
        }
        grouped: list[list[SlideContent]] = [[] for _ in deck.sections]
        current = 0
        for slide in slides:
            current = section_of.get(slide.slide_id, current)
            grouped[current].append(slide)
        for section, members in zip(deck.sections, grouped, strict=True):
            if not members:
                problems.append(
                    Problem(
                        "info",
                        "module.empty-section",
                        N_('Section "{name}" has no slides and was skipped.'),
                        {"name": section.name},
                    )
                )
        return [
            (section.name, members)
            for section, members in zip(deck.sections, grouped, strict=True)
            if members
        ]
    if any(slide.is_section_header for slide in slides):
        groups: list[tuple[str, list[SlideContent]]] = []
        for slide in slides:
            if slide.is_section_header or not groups:
                groups.append((slide.title, []))
            groups[-1][1].append(slide)
        return groups
    return [(slides[0].title, list(slides))]


def split_modules(deck: DeckContent) -> tuple[list[ParsedModule], list[Problem]]:
    """Return the deck's modules (sections, else Section Header slides, else one) and problems."""
    problems: list[Problem] = []
    modules: list[ParsedModule] = []
    seen_codes: set[str] = set()
    for position, (name, members) in enumerate(_groups(deck, problems), start=1):
        code, title = code_and_title(name, position)
        if code in seen_codes:
            problems.append(
                Problem(
                    "error",
                    "module.duplicate-code",
                    N_("Two modules have the code {code}; each section needs its own code."),
                    {"code": code},
                    module=code,
                    slide=members[0].number,
                )
            )
        seen_codes.add(code)
        module = ParsedModule(position=position, code=code, title=title or code)
        for slide in members:
            problems.extend(
                Problem(p.severity, p.code, p.message, p.params, module=code, slide=p.slide)
                for p in slide.problems
            )
            if is_quiz(slide):
                quiz, quiz_problems = parse_quiz(slide, code)
                problems.extend(quiz_problems)
                module.slides.append(ParsedSlide(slide, "quiz", quiz))
            else:
                module.slides.append(ParsedSlide(slide, "content"))
        modules.append(module)
    return modules, problems
