"""The targets every benchmark prints, kept so that a run of all of them can end with the
whole list in one place (``python -m tests.benchmarks``)."""

from __future__ import annotations

SEEN: list[tuple[str, str]] = []  # (benchmark, its target line)


def kept(benchmark: str, line: str) -> str:
    """Remember a target line as it is printed, and return it."""
    SEEN.append((benchmark, line))
    return line
