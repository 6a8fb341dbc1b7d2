"""Match a translation deck to its master, and one revision's slides to the next.

Translations are matched by position (texts in two languages cannot be compared); revisions
of the same language are matched by content hash with a longest-common-subsequence diff, so
one slide inserted in the middle does not make every later slide look changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from app.decks.problems import Problem
from app.decks.structure import ParsedModule, ParsedSlide
from app.i18n import N_

Change = Literal["equal", "changed", "added", "removed"]
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class MasterSlide:
    position: int
    kind: str
    text: str
    content_hash: str
    answer: str | None = None


@dataclass(frozen=True)
class MasterModule:
    code: str
    position: int
    slides: list[MasterSlide]


@dataclass
class AlignedSlide:
    master: MasterSlide
    slide: ParsedSlide
    state: str  # current | untranslated


@dataclass
class AlignedModule:
    master: MasterModule
    title: str | None
    slides: list[AlignedSlide] = field(default_factory=list)
    missing_positions: list[int] = field(default_factory=list)


@dataclass
class Alignment:
    modules: list[AlignedModule]
    problems: list[Problem]

    def count(self, state: str) -> int:
        return sum(1 for m in self.modules for s in m.slides if s.state == state)

    @property
    def missing(self) -> int:
        return sum(len(m.missing_positions) for m in self.modules)


def _comparable(text: str) -> str:
    return " ".join(text.split()).casefold()


def looks_untranslated(master_text: str, translated_text: str) -> bool:
    """True when a slide with real words carries exactly the master's text."""
    return bool(_LETTERS.search(master_text)) and _comparable(master_text) == _comparable(
        translated_text
    )


def _pair_modules(
    master: list[MasterModule], translation: list[ParsedModule], problems: list[Problem]
) -> list[tuple[MasterModule, ParsedModule | None]]:
    by_code = {module.code: module for module in translation}
    master_codes = {module.code for module in master}
    used: set[str] = set()
    pairs: list[tuple[MasterModule, ParsedModule | None]] = []
    for module in master:
        match = by_code.get(module.code)
        if match is None:
            # No code in common: fall back to the module at the same position, if it is free.
            candidate = next((m for m in translation if m.position == module.position), None)
            if candidate is not None and candidate.code not in master_codes:
                match = candidate
        if match is None:
            problems.append(
                Problem(
                    "warning",
                    "align.missing-module",
                    N_("Module {code} of the master deck is missing from this translation."),
                    {"code": module.code},
                    module=module.code,
                )
            )
        else:
            used.add(match.code)
        pairs.append((module, match))
    for module in translation:
        if module.code not in used:
            problems.append(
                Problem(
                    "warning",
                    "align.extra-module",
                    N_("Module {code} is not in the master deck; its slides were not used."),
                    {"code": module.code},
                    module=module.code,
                    slide=module.slides[0].content.number,
                )
            )
    return pairs


def align_translation(master: list[MasterModule], translation: list[ParsedModule]) -> Alignment:
    """Pair each master slide with the translated slide at the same place, and say what is off."""
    problems: list[Problem] = []
    aligned: list[AlignedModule] = []
    for master_module, module in _pair_modules(master, translation, problems):
        result = AlignedModule(master=master_module, title=module.title if module else None)
        aligned.append(result)
        if module is None:
            result.missing_positions = [s.position for s in master_module.slides]
            continue
        code = master_module.code
        for index, master_slide in enumerate(master_module.slides):
            if index >= len(module.slides):
                result.missing_positions.append(master_slide.position)
                continue
            slide = module.slides[index]
            state = "current"
            if looks_untranslated(master_slide.text, slide.content.text):
                state = "untranslated"
                problems.append(
                    Problem(
                        "warning",
                        "align.untranslated",
                        N_("Slide text is the same as the master's; it looks untranslated."),
                        module=code,
                        slide=slide.content.number,
                    )
                )
            if slide.kind != master_slide.kind:
                problems.append(
                    Problem(
                        "warning",
                        "align.kind-differs",
                        N_(
                            "This slide is a {kind} slide, but the master's slide at this place is a "
                            "{master_kind} slide."
                        ),
                        {"kind": slide.kind, "master_kind": master_slide.kind},
                        module=code,
                        slide=slide.content.number,
                    )
                )
            elif slide.quiz and master_slide.answer and slide.quiz["answer"] != master_slide.answer:
                problems.append(
                    Problem(
                        "warning",
                        "align.answer-differs",
                        N_(
                            "The quiz answer is {answer} here but {master_answer} in the master; the "
                            "master's answer counts."
                        ),
                        {"answer": slide.quiz["answer"], "master_answer": master_slide.answer},
                        module=code,
                        slide=slide.content.number,
                    )
                )
            result.slides.append(AlignedSlide(master_slide, slide, state))
        if result.missing_positions:
            problems.append(
                Problem(
                    "warning",
                    "align.missing-slides",
                    N_(
                        "{count} slide(s) of the master are missing at the end of this module "
                        "(master positions {positions})."
                    ),
                    {
                        "count": len(result.missing_positions),
                        "positions": ", ".join(map(str, result.missing_positions)),
                    },
                    module=code,
                )
            )
        for slide in module.slides[len(master_module.slides) :]:
            problems.append(
                Problem(
                    "warning",
                    "align.extra-slide",
                    N_("This slide has no counterpart in the master deck and was not used."),
                    module=code,
                    slide=slide.content.number,
                )
            )
    return Alignment(modules=aligned, problems=problems)


def match_sequences(old: list[str], new: list[str]) -> list[tuple[int | None, int | None, Change]]:
    """Pair items of two hash lists: equal, changed (replaced in place), added or removed.

    Returns (old index, new index, change) in the new list's order, removed items where
    they stood.
    """
    pairs: list[tuple[int | None, int | None, Change]] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend((i1 + k, j1 + k, "equal") for k in range(i2 - i1))
        elif tag == "replace":
            common = min(i2 - i1, j2 - j1)
            pairs.extend((i1 + k, j1 + k, "changed") for k in range(common))
            pairs.extend((i1 + k, None, "removed") for k in range(common, i2 - i1))
            pairs.extend((None, j1 + k, "added") for k in range(common, j2 - j1))
        elif tag == "delete":
            pairs.extend((i1 + k, None, "removed") for k in range(i2 - i1))
        elif tag == "insert":
            pairs.extend((None, j1 + k, "added") for k in range(j2 - j1))
    return pairs
