"""Attendance benchmark: crediting a lecture day of 300 trainees, as the attendance sheet does.

One 8-hour lecture day (09:00–18:00 with a lunch pause): the four statutory areas two hours
each, slide changes every 5 minutes. 300 trainees follow on phones that ping every 15 s;
what those pings leave in the database is written directly, as the ping endpoint would have
left it: per trainee a presence interval for every stretch the phone stayed awake, a bridged
gap for every time the screen slept (2 to 6 minutes, four to ten times a day), a late
arrival for one in ten, an early departure for one in twenty.

Measured, each in the same run: the pure crediting arithmetic (``credit.credited_seconds`` over
the same intervals, already in memory) as the baseline, then ``attendance.attendance_sheet``
(the sheet, the confirmation and the API's GET .../attendance), reading everything from the
database in a fresh session each run. The target: under 1 s for the sheet.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.cohorts.models import Cohort, Trainee
from app.courses.definitions import load_definitions
from app.db import make_engine, make_session_factory, transaction
from app.lectures import attendance, credit, timeline
from app.lectures.models import (
    Lecture,
    LectureCohort,
    LectureEvent,
    LectureModule,
    PresenceGap,
    PresenceInterval,
)
from tests.benchmarks.import_bench import Databases, bench_database_problem, bench_settings
from tests.benchmarks.records_bench import COURSE, REPO_ROOT, load_course, seed_fixed

OPERATOR = Principal(user_id=None, role="admin", cooperative_id=None, display_name="bench")
DAY_START = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 09:00 in Japan
PING_SECONDS = 15


def lecture_events(areas: list[str], modules: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """(second of the day, kind, area): two hours per area, a slide every 5 min, a lunch pause."""
    events: list[tuple[int, str, str]] = []
    second = 0
    for index, area in enumerate(areas):
        code = next(code for code, module_area in modules if module_area == area)
        for step in range(24):  # 24 slides of 5 minutes
            kind = "start" if index == 0 and step == 0 else "slide"
            events.append((second, kind, area if code else ""))
            second += 300
        if index == 1:  # lunch
            events.append((second, "pause", ""))
            second += 3600
            events.append((second, "resume", area))
    events.append((second, "end", ""))
    return events


def phone_day(
    rng: random.Random, day_seconds: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """One phone's day as the ping endpoint records it: (intervals, bridged gaps) in seconds."""
    arrive = rng.choice([0] * 9 + [rng.randrange(300, 1800)])  # one in ten arrives late
    leave = day_seconds if rng.random() > 0.05 else rng.randrange(day_seconds // 2, day_seconds)
    sleeps = sorted(rng.sample(range(arrive + 600, leave - 600, PING_SECONDS), rng.randint(4, 10)))
    intervals, gaps, start = [], [], arrive
    for asleep in sleeps:
        if asleep <= start:
            continue
        wake = asleep + rng.randrange(120, 360)
        intervals.append((start, asleep))
        gaps.append((asleep, wake))
        start = wake
    intervals.append((start, leave))
    return intervals, gaps


def seed(session: Session, trainees: int, rng: random.Random) -> tuple[int, list[list]]:
    definition = load_definitions(bench_settings(REPO_ROOT / "var").courses_dir)[COURSE]
    fixed = seed_fixed(session, definition)
    cohort_id = session.scalar(
        insert(Cohort).returning(Cohort.id),
        {
            "cooperative_id": fixed.cooperative_id,
            "name": "ベンチ 出席",
            "arrival_date": date(2026, 12, 1),
            "training_start": date(2026, 12, 2),
            "training_end": date(2026, 12, 28),
            "work_start": date(2027, 1, 5),
            "languages": ["vi"],
            "course_code": COURSE,
        },
    )
    users = list(
        session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {
                    "role": "trainee",
                    "cooperative_id": fixed.cooperative_id,
                    "display_name": f"T{n}",
                    "login_code": f"A{n:06d}",
                    "ui_language": "vi",
                }
                for n in range(trainees)
            ],
        )
    )
    trainee_ids = list(
        session.scalars(
            insert(Trainee).returning(Trainee.id, sort_by_parameter_order=True),
            [
                {
                    "cooperative_id": fixed.cooperative_id,
                    "cohort_id": cohort_id,
                    "user_id": user_id,
                    "trainee_number": f"A-{n:05d}",
                    "family_name": "NGUYEN",
                    "given_name": f"VAN {n:05d}",
                    "name_katakana": "グエン",
                    "nationality": "VN",
                    "preferred_language": "vi",
                    "date_of_birth": date(2001, 1, 1),
                }
                for n, user_id in enumerate(users)
            ],
        )
    )
    events = lecture_events([a.code for a in definition.areas], fixed.modules)
    day_seconds = events[-1][0]
    at = lambda second: DAY_START + timedelta(seconds=second)  # noqa: E731
    lecture_id = session.scalar(
        insert(Lecture).returning(Lecture.id),
        {
            "course_id": fixed.course_id,
            "revision_id": fixed.revision_id,
            "lecturer_id": fixed.lecturer_id,
            "title": "ベンチ 講習日",
            "scheduled_start": at(0),
            "scheduled_end": at(day_seconds),
            "status": "ended",
            "join_code": "BENCHDAY",
            "started_at": at(0),
            "ended_at": at(day_seconds),
        },
    )
    session.execute(
        insert(LectureCohort),
        [
            {
                "lecture_id": lecture_id,
                "cohort_id": cohort_id,
                "cooperative_id": fixed.cooperative_id,
            }
        ],
    )
    session.execute(
        insert(LectureModule),
        [
            {"lecture_id": lecture_id, "module_code": code, "position": n}
            for n, (code, _area) in enumerate(fixed.modules, start=1)
        ],
    )
    session.execute(
        insert(LectureEvent),
        [
            {"lecture_id": lecture_id, "kind": kind, "at": at(second), "area_code": area or None}
            for second, kind, area in events
        ],
    )
    presence_rows, gap_rows, in_memory = [], [], []
    for trainee_id in trainee_ids:
        intervals, gaps = phone_day(rng, day_seconds)
        in_memory.append([(at(a), at(b)) for a, b in intervals + gaps])
        presence_rows += [
            {
                "lecture_id": lecture_id,
                "trainee_id": trainee_id,
                "started_at": at(a),
                "last_seen_at": at(b),
                "closed": True,
                "device": f"d{trainee_id}",
            }
            for a, b in intervals
        ]
        gap_rows += [
            {
                "lecture_id": lecture_id,
                "trainee_id": trainee_id,
                "started_at": at(a),
                "ended_at": at(b),
                "status": "pending",
                "reason": "",
            }
            for a, b in gaps
        ]
    session.execute(insert(PresenceInterval), presence_rows)
    session.execute(insert(PresenceGap), gap_rows)
    return lecture_id, in_memory


def median_seconds(work, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def run(args: argparse.Namespace) -> int:
    if args.database_url and (problem := bench_database_problem(args.database_url)):
        print(problem, file=sys.stderr)
        return 2
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="koshu-attendance-bench-"))
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    databases = Databases.migrated(workdir, args.database_url)
    url = databases.fresh().url.render_as_string(hide_password=False)
    databases.close()
    settings = bench_settings(data_dir, url)
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    definition = load_definitions(settings.courses_dir)[COURSE]
    rng = random.Random(20261203)
    with transaction(factory) as session:
        load_course(session, settings, definition)
    with transaction(factory) as session:
        lecture_id, in_memory = seed(session, args.trainees, rng)
    with factory() as session:
        lecture = session.get(Lecture, lecture_id)
        segments = timeline.segments(session, lecture)
        intervals = session.scalar(select(func.count(PresenceInterval.id)))
        gaps = session.scalar(select(func.count(PresenceGap.id)))

    def baseline() -> None:
        for presence in in_memory:
            credit.to_minutes(credit.credited_seconds(segments, presence))

    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    def sheet() -> None:
        with factory() as session:
            lecture = session.get(Lecture, lecture_id)
            attendance.attendance_sheet(session, OPERATOR, lecture, definition)

    event.listen(engine, "before_cursor_execute", count)
    sheet()  # warm up, and count one sheet's statements
    one_sheet = statements
    event.remove(engine, "before_cursor_execute", count)
    base = median_seconds(baseline, args.repeat)
    app = median_seconds(sheet, args.repeat)
    print("Attendance benchmark: crediting an 8-hour lecture day")
    print(f"  database           {make_engine(url).dialect.name}")
    print(f"  trainees           {args.trainees}, pinging every {PING_SECONDS} s")
    print(f"  presence rows      {intervals} intervals, {gaps} bridged gaps")
    print(f"  timeline           {len(segments)} segments of running time")
    print(f"  baseline (pure credit arithmetic, in memory)  {base * 1000:8.1f} ms")
    print(
        f"  attendance sheet (database, as the app runs)  {app * 1000:8.1f} ms"
        f"  ({app / base:.1f}x, {one_sheet} statements)"
    )
    print(f"  target: under 1 s  -> {'met' if app < 1.0 else 'NOT MET'}")
    engine.dispose()
    return 0 if app < 1.0 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks --only attendance")
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    return parser


def main(argv: list[str]) -> int:
    return run(build_parser().parse_args(argv))
