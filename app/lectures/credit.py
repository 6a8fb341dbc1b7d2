"""Crediting lecture minutes: presence overlapped with what was on screen, by statutory area.

Everything here works on the server's timestamps only. A trainee's phone reports nothing
but "I am here" (a ping); when that arrived is decided by the server's clock, so a phone
with a wrong clock can neither add nor remove minutes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

EventKind = Literal["start", "slide", "pause", "resume", "end"]


@dataclass(frozen=True)
class TimelineEvent:
    """One thing the presenter did, at the server's time; ``area`` is the slide's area."""

    at: datetime
    kind: EventKind
    area: str | None = None


@dataclass(frozen=True)
class Segment:
    """A stretch of lecture time during which one area (or none) was on screen and running."""

    start: datetime
    end: datetime
    area: str | None


Interval = tuple[datetime, datetime]


def area_segments(events: Iterable[TimelineEvent], *, until: datetime) -> list[Segment]:
    """Turn the presenter's events into running segments per area.

    Time before ``start``, while paused, and after ``end`` (or after ``until`` for a lecture
    still running) is in no segment. A slide change while paused only changes what will be
    on screen when the lecture resumes.
    """
    segments: list[Segment] = []
    running = False
    area: str | None = None
    since: datetime | None = None
    for event in sorted(events, key=lambda e: e.at):
        at = min(event.at, until)
        if running and since is not None and at > since:
            segments.append(Segment(since, at, area))
        since = at
        if event.kind == "slide":
            area = event.area
        elif event.kind in ("start", "resume"):
            running = True
            if event.area is not None:
                area = event.area
        elif event.kind == "pause":
            running = False
        elif event.kind == "end":
            running = False
            break
    if running and since is not None and until > since:
        segments.append(Segment(since, until, area))
    return _merge_segments(segments)


def _merge_segments(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].area == segment.area and merged[-1].end == segment.start:
            merged[-1] = Segment(merged[-1].start, segment.end, segment.area)
        else:
            merged.append(segment)
    return merged


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals, so time counted twice (two phones, a reconnect) counts once."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def roster_interval(
    status: str, *, lecture_start: datetime, lecture_end: datetime, minutes: int = 0
) -> list[Interval]:
    """Presence a lecturer or staff member recorded by hand for a trainee without a phone."""
    if status == "absent":
        return []
    start, end = lecture_start, lecture_end
    if status == "late":
        start = min(lecture_start + timedelta(minutes=minutes), lecture_end)
    elif status == "left-early":
        end = max(lecture_end - timedelta(minutes=minutes), lecture_start)
    return [(start, end)] if end > start else []


def credited_seconds(segments: Iterable[Segment], presence: Iterable[Interval]) -> dict[str, float]:
    """Seconds per area during which the trainee was present and that area was on screen."""
    merged = merge_intervals(presence)
    totals: dict[str, float] = defaultdict(float)
    for segment in segments:
        if segment.area is None:
            continue
        for start, end in merged:
            overlap = (min(end, segment.end) - max(start, segment.start)).total_seconds()
            if overlap > 0:
                totals[segment.area] += overlap
    return dict(totals)


def to_minutes(seconds: dict[str, float]) -> dict[str, int]:
    """Whole minutes per area, rounded down: a record never claims time not spent."""
    return {area: int(value // 60) for area, value in seconds.items()}
