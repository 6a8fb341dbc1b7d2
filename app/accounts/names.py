"""Telling whether two organisation names mean the same organisation.

Clerks type company names in many forms: full or half width, with or without a space after
株式会社, as ㈱ or (株), in any case. ``name_key`` reduces a name to what identifies it;
``closest`` finds a known name that differs from a typed one by a slip of a key or two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Abbreviated legal forms, after NFKC (which turns ㈱ into "(株)"), and what they stand for.
_LEGAL_FORMS = {
    "(株)": "株式会社",
    "(有)": "有限会社",
    "(合)": "合同会社",
    "(同)": "合同会社",
    "(資)": "合資会社",
    "(名)": "合名会社",
    "(協)": "協同組合",
    "(一社)": "一般社団法人",
    "(公社)": "公益社団法人",
    "(一財)": "一般財団法人",
    "(公財)": "公益財団法人",
    "(特非)": "特定非営利活動法人",
}
_IGNORED = re.compile(r"[\s・･.,'’\"“”「」『』]+")


def name_key(name: str) -> str:
    """What identifies an organisation's name: width, case, spaces, punctuation and the
    abbreviated legal forms (㈱, (株)) do not matter."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"\(\s*", "(", re.sub(r"\s*\)", ")", text))
    for short, full in _LEGAL_FORMS.items():
        text = text.replace(short, full)
    return _IGNORED.sub("", text)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance between ``a`` and ``b``; any value above ``limit`` is ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def typo_limit(key: str) -> int:
    """How many slips still make a name look like another: one, two for long names."""
    return 1 if len(key) < 12 else 2


@dataclass(frozen=True)
class Match(Generic[T]):
    item: T
    exact: bool  # the same name once normalised; else a probable typo


def match(name: str, known: Iterable[tuple[str, T]]) -> list[Match[T]]:
    """The known items whose name is ``name`` once normalised (exact) or, if there is none,
    those closest to it within a typo's distance. Empty when nothing is near."""
    key = name_key(name)
    if not key:
        return []
    candidates = [(name_key(known_name), item) for known_name, item in known]
    exact = [Match(item, True) for known_key, item in candidates if known_key == key]
    if exact:
        return exact
    limit = typo_limit(key)
    scored = [
        (edit_distance(key, known_key, limit), item) for known_key, item in candidates if known_key
    ]
    best = min((score for score, _item in scored), default=limit + 1)
    if best > limit:
        return []
    return [Match(item, False) for score, item in scored if score == best]
