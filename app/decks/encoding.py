"""Text-encoding checks that depend on the deck's language.

Myanmar text is still often typed in the legacy Zawgyi font encoding, which shows as
garbage on a phone that renders Unicode Myanmar (and the other way round).
"""

from __future__ import annotations

import warnings
from functools import lru_cache

from myanmartools import ZawgyiDetector

from app.decks.problems import Problem
from app.decks.structure import ParsedModule
from app.i18n import N_

ZAWGYI_THRESHOLD = 0.95


@lru_cache(maxsize=1)
def _detector() -> ZawgyiDetector:
    with warnings.catch_warnings():  # it loads its model with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        return ZawgyiDetector()


def zawgyi_problems(modules: list[ParsedModule]) -> list[Problem]:
    """Return a warning for each slide whose Myanmar text looks Zawgyi-encoded."""
    problems = []
    for module in modules:
        for slide in module.slides:
            text = "\n".join(part for part in (slide.content.text, slide.content.notes) if part)
            if any("\u1000" <= ch <= "\u109f" for ch in text) and (
                _detector().get_zawgyi_probability(text) >= ZAWGYI_THRESHOLD
            ):
                problems.append(
                    Problem(
                        "warning",
                        "text.zawgyi",
                        N_(
                            "The Myanmar text on this slide is in the old Zawgyi encoding and will "
                            "look garbled on trainees' phones. Convert it to Unicode and upload again."
                        ),
                        module=module.code,
                        slide=slide.content.number,
                    )
                )
    return problems
