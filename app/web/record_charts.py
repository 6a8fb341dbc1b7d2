"""The dashboard's charts, drawn on the server as SVG geometry (the template writes the SVG).

Legible without colour: trainees short of a minimum are hatched, those who met it solid,
and every bar carries its number in words, so a black-and-white print reads the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from app.records.service import CohortRecord

# Geometry of the area chart (SVG user units; the SVG scales to the card's width).
BAR_WIDTH = 440  # the bar under each area's title; the counts are written to its right
ROW_HEIGHT = 54
BAR_HEIGHT = 20


@dataclass(frozen=True)
class AreaBar:
    """One statutory area: how many trainees met its minimum and how many are short."""

    code: str
    minimum: int
    met: int
    short: int
    lowest: int  # the fewest minutes credited to any trainee
    median: int
    y: int
    met_width: float
    short_width: float


@dataclass(frozen=True)
class AreaChart:
    bars: list[AreaBar]
    trainees: int
    width: int = BAR_WIDTH + 200
    bar_width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars) + 34  # and the legend


def area_chart(record: CohortRecord) -> AreaChart:
    """Per statutory area, trainees who met its minimum (solid) and who are short (hatched)."""
    trainees = record.trainees
    count = max(1, len(trainees))
    bars = []
    for index, area in enumerate(record.definition.areas):
        minutes = sorted(t.compliance.minutes_by_area.get(area.code, 0) for t in trainees)
        short = sum(1 for value in minutes if value < area.minimum_minutes)
        met = len(minutes) - short
        bars.append(
            AreaBar(
                code=area.code,
                minimum=area.minimum_minutes,
                met=met,
                short=short,
                lowest=minutes[0] if minutes else 0,
                median=minutes[len(minutes) // 2] if minutes else 0,
                y=index * ROW_HEIGHT + 4,
                met_width=BAR_WIDTH * met / count,
                short_width=BAR_WIDTH * short / count,
            )
        )
    return AreaChart(bars=bars, trainees=len(trainees))


@dataclass(frozen=True)
class Point:
    day: date
    x: float
    y: float
    minutes: int  # the cohort's average counted minutes by the end of that day


@dataclass(frozen=True)
class Marker:
    x: float
    label: str  # "today", "work-start"
    day: date


@dataclass(frozen=True)
class ProgressChart:
    """The cohort's average counted minutes, day by day over the post-entry period, against
    the total minimum (a dashed line), with today and the work start marked."""

    start: date
    end: date
    points: list[Point]
    minimum_y: float
    minimum: int
    top: int
    markers: list[Marker]
    ticks: list[tuple[float, date]]
    width: int = 640
    height: int = 240
    left: int = 48
    right: int = 616
    bottom: int = 200
    plot_top: int = 16

    @property
    def path(self) -> str:
        """A step line: minutes rise on the day of a lecture and hold until the next."""
        if not self.points:
            return ""
        parts = [f"M {self.left} {self.bottom}"]
        for point in self.points:
            previous_y = parts[-1].rsplit(" ", 1)[1]
            parts.append(f"L {point.x:.1f} {previous_y}")
            parts.append(f"L {point.x:.1f} {point.y:.1f}")
        return " ".join(parts)


def progress_chart(record: CohortRecord, today: date) -> ProgressChart | None:
    """None when the cohort has no post-entry period on record."""
    cohort = record.cohort
    start = cohort.training_start
    end = (
        max(d for d in (cohort.training_end, cohort.work_start, start) if d is not None)
        if start
        else None
    )
    if start is None or end is None or end <= start:
        return None
    definition = record.definition
    trainees = record.trainees
    by_day: dict[date, int] = defaultdict(int)
    days = {info.lecture.id: info.start.date() for info in record.confirmed_lectures()}
    counted = {item.trainee.id: set(item.compliance.counted_lectures) for item in trainees}
    for (lecture_id, trainee_id), versions in record.attendance.items():
        if lecture_id not in counted.get(trainee_id, ()):
            continue
        current = next((v for v in versions if v.superseded_at is None), versions[-1])
        by_day[days[lecture_id]] += sum(
            int(current.minutes_by_area.get(area.code, 0)) for area in definition.areas
        )
    count = max(1, len(trainees))
    minimum = definition.total_minimum_minutes
    running = 0
    cumulative = []
    for day in sorted(by_day):
        running += by_day[day]
        cumulative.append((day, running // count))
    top = max([minimum * 5 // 4, *(value for _, value in cumulative)])
    chart = ProgressChart(start, end, [], 0, minimum, top, [], [])
    span = (end - start).days or 1

    def x(day: date) -> float:
        clamped = min(max(day, start), end)
        return chart.left + (chart.right - chart.left) * (clamped - start).days / span

    def y(minutes: int) -> float:
        return chart.bottom - (chart.bottom - chart.plot_top) * minutes / top

    step = max(1, span // 6)
    ticks = [
        (x(start + timedelta(days=d)), start + timedelta(days=d)) for d in range(0, span + 1, step)
    ]
    markers = []
    if start <= today <= end:
        markers.append(Marker(x(today), "today", today))
    if cohort.work_start and start <= cohort.work_start <= end:
        markers.append(Marker(x(cohort.work_start), "work-start", cohort.work_start))
    return ProgressChart(
        start=start,
        end=end,
        points=[Point(day, x(day), y(value), value) for day, value in cumulative],
        minimum_y=y(minimum),
        minimum=minimum,
        top=top,
        markers=markers,
        ticks=ticks,
    )
