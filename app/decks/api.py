"""The one entry point the rest of Koshu uses to turn an uploaded file into modules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.decks.problems import Problem
from app.decks.reader import Picture, read_deck
from app.decks.safety import Limits, check_package
from app.decks.structure import ParsedModule, split_modules


@dataclass
class ParsedDeck:
    modules: list[ParsedModule]
    pictures: dict[str, Picture]
    problems: list[Problem]
    slide_count: int

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)


def parse_deck(path: Path, *, limits: Limits, max_slides: int = 1000) -> ParsedDeck:
    """Check, read and split a deck; raise DeckRejected when the file cannot be used at all.

    Malformed content that can be pointed at (a broken quiz slide, a duplicate module code)
    comes back as error problems instead, each with its module and slide number.
    """
    parts = check_package(path, limits)
    content = read_deck(path, max_slides=max_slides, parts=parts)
    modules, problems = split_modules(content)
    return ParsedDeck(
        modules=modules,
        pictures=content.pictures,
        problems=problems,
        slide_count=len(content.slides),
    )
