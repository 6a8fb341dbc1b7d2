"""Which language a trainee is shown a slide in: the first of their language chain whose
translation of that slide is current (km → en → ja: Khmer, else English, else the master).

A stale translation is never shown: it may state the law as it was before the revision
(the old minimum wage). The master language ends every chain and is always current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar


class HasState(Protocol):
    state: str


T = TypeVar("T", bound=HasState)


def chain(preferred: str, fallbacks: Iterable[str] | None, master: str) -> list[str]:
    """The trainee's language, their fallbacks in order, then the master; each tag once."""
    ordered: list[str] = []
    for tag in (preferred, *(fallbacks or ()), master):
        if tag and tag not in ordered:
            ordered.append(tag)
    return ordered


def pick_language(states: Mapping[str, str], languages: list[str], master: str) -> str | None:
    """Of {language: state} for one master slide, the language shown: the first of the chain
    whose translation is current (the master's always is); None when not even the master has it."""
    for language in languages:
        state = states.get(language)
        if state is not None and (language == master or state == "current"):
            return language
    return master if master in states else None


def pick(candidates: Mapping[str, T], languages: list[str], master: str) -> T | None:
    """``pick_language`` over slides: the slide shown, or None."""
    language = pick_language(
        {tag: slide.state for tag, slide in candidates.items()}, languages, master
    )
    return candidates[language] if language is not None else None


def first_complete(languages: list[str], complete: set[str], master: str) -> str:
    """The first language of a chain that has a complete translation (else the master)."""
    return next((tag for tag in languages if tag == master or tag in complete), master)
