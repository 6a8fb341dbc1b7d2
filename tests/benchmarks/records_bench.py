"""Records benchmark: a cohort's dashboard data and training-record workbook in a big cooperative.

One cooperative holds 50 cohorts of 200 trainees (10,000 trainees), each cohort taught 40 ended
lectures of 60 minutes (2,000 lectures): start, three slide changes and end on the timeline, so
every lecture taught 15 minutes of each statutory area. Every trainee has a confirmed attendance
record for every lecture of their cohort (400,000 rows), one of them per lecture corrected (the
old version kept, superseded), five quiz answers and a self-study session. Everything is written
with bulk INSERTs; only the course's revision comes from importing the sample master deck.

For one cohort: ``records.service.cohort_record`` (what the compliance dashboard and every export
read) and ``records.exports.record_xlsx`` (the 入国後講習実施記録 workbook), timed in a fresh
session each run, counting the SQL statements the engine executes. Then the same for cohorts of
other sizes (extra cohorts, 40 lectures each): the statement count must not depend on the
number of trainees. Finally the two HTTP routes, once each, through FastAPI's TestClient as a
signed-in admin.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.accounts.models import Cooperative, Employer, LecturerProfile, User
from app.accounts.tenancy import Principal
from app.clock import JAPAN
from app.cohorts.models import Cohort, Trainee
from app.config import Settings
from app.courses import flows
from app.courses import service as courses
from app.courses.definitions import CourseDefinition, load_definitions
from app.db import make_engine, make_session_factory, transaction
from app.lectures.models import (
    AttendanceRecord,
    Interpreter,
    Lecture,
    LectureCohort,
    LectureEvent,
    LectureModule,
    QuizAnswer,
)
from app.main import create_app
from app.records import exports, service
from app.study.models import StudySession
from tests.benchmarks import targets
from tests.benchmarks.import_bench import Databases, bench_database_problem, bench_settings
from tests.benchmarks.lecture_bench import browser

REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE = "legal-protection"
OPERATOR = Principal(user_id=None, role="admin", cooperative_id=None, display_name="records bench")
FIRST_TRAINING_DAY = date(2025, 1, 6)  # cohort n starts n weeks later; every period is over
LECTURE_MINUTES = 60
QUIZ_ANSWERS_PER_TRAINEE = 5
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
SIZE_BUDGET_SECONDS = 20.0  # per cohort size: fewer runs than --repeat once this is spent


# --- counting statements ----------------------------------------------------------------


class StatementCounter:
    """Counts the statements the engine sends (an executemany counts once)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._executed)

    def _executed(self, *_args: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._executed)


# --- seeding ----------------------------------------------------------------------------


@dataclass
class Seeded:
    main_cohort: int  # one of the regular cohorts
    by_size: dict[int, int]  # trainees -> a cohort of that size
    cohorts: int = 0
    trainees: int = 0
    lectures: int = 0
    events: int = 0
    attendance: int = 0
    quiz_answers: int = 0
    regular: tuple[int, int, int] = (0, 0, 0)  # cohorts, trainees each, lectures each
    extra: list[int] = field(default_factory=list)  # sizes of the extra cohorts
    seconds: float = 0.0


@dataclass(frozen=True)
class Fixed:
    """Rows every cohort points at."""

    cooperative_id: int
    employer_ids: list[int]
    lecturer_id: int
    course_id: int
    revision_id: int
    areas: list[str]  # area codes, in the definition's order
    modules: list[tuple[str, str]]  # (module code, its area) in the definition's order


def load_course(session: Session, settings: Settings, definition: CourseDefinition) -> None:
    """Import the sample master deck and publish revision 1 (as ``koshu load-samples`` does)."""
    deck = settings.slides_dir / f"{COURSE}.{definition.master_language}.pptx"
    report = flows.import_deck(
        session,
        settings=settings,
        definition=definition,
        upload=flows.DeckUpload(path=deck, filename=deck.name, language=deck.suffixes[-2][1:]),
    )
    if report["status"] != "accepted":
        raise RuntimeError(f"the sample deck {deck.name} was rejected: {report}")
    courses.publish(session, courses.ensure_course(session, definition), 1)


def seed_fixed(session: Session, definition: CourseDefinition) -> Fixed:
    course = courses.ensure_course(session, definition)
    revision = courses.published_revision(session, course)
    assert revision is not None
    cooperative_id = session.scalar(
        insert(Cooperative).returning(Cooperative.id),
        {"name": "ベンチマーク技能実習協同組合", "licence_number": "BENCH-RECORDS-1"},
    )
    assert cooperative_id is not None
    employer_ids = list(
        session.scalars(
            insert(Employer).returning(Employer.id, sort_by_parameter_order=True),
            [
                {"cooperative_id": cooperative_id, "name": f"株式会社 ベンチ工業 第{n}工場"}
                for n in range(1, 21)
            ],
        )
    )
    lecturer_id = session.scalar(
        insert(User).returning(User.id),
        {
            "role": "lecturer",
            "display_name": "ベンチ 講師（弁護士）",
            "email": "lecturer@records-bench.example",
        },
    )
    assert lecturer_id is not None
    session.execute(
        insert(LecturerProfile),
        [
            {
                "user_id": lecturer_id,
                "qualification": "attorney",
                "registration_number": "第00001号",
                "affiliations": [{"name": "ベンチ法律事務所"}],
            }
        ],
    )
    modules = [(module.code, module.area) for module in definition.modules]
    return Fixed(
        cooperative_id,
        employer_ids,
        lecturer_id,
        course.id,
        revision.id,
        [area.code for area in definition.areas],
        modules,
    )


def at_jst(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=JAPAN).astimezone(UTC)


def seed_cohort(
    session: Session, fixed: Fixed, number: int, trainees: int, lectures: int, seeded: Seeded
) -> int:
    """One cohort with its trainees, lectures, timelines, attendance, quiz answers, self-study."""
    start = FIRST_TRAINING_DAY + timedelta(weeks=number)
    cohort_id = session.scalar(
        insert(Cohort).returning(Cohort.id),
        {
            "cooperative_id": fixed.cooperative_id,
            "name": f"ベンチ {number + 1:03d}期（{trainees}名）",
            "arrival_date": start - timedelta(days=1),
            "training_start": start,
            "training_end": start + timedelta(days=27),
            "work_start": start + timedelta(days=35),
            "languages": ["vi"],
            "course_code": COURSE,
            "programme_end": start + timedelta(days=3 * 365),
        },
    )
    assert cohort_id is not None
    user_ids = list(
        session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {
                    "role": "trainee",
                    "cooperative_id": fixed.cooperative_id,
                    "display_name": f"NGUYEN VAN {number:03d}-{n:05d}",
                    "login_code": f"R{number:03d}{n:05d}",
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
                    "employer_id": fixed.employer_ids[n % len(fixed.employer_ids)],
                    "trainee_number": f"B{number:03d}-{n:05d}",
                    "family_name": "NGUYEN",
                    "given_name": f"VAN {number:03d}-{n:05d}",
                    "name_katakana": "グエン ヴァン",
                    "nationality": "VN",
                    "preferred_language": "vi",
                    "date_of_birth": date(2000 + n % 6, 1 + n % 12, 1 + n % 28),
                }
                for n, user_id in enumerate(user_ids)
            ],
        )
    )
    per_day = max(2, math.ceil(lectures / 24))  # every lecture inside the training period
    slots = [
        at_jst(start + timedelta(days=k // per_day), 9 + 2 * (k % per_day)) for k in range(lectures)
    ]
    lecture_ids = list(
        session.scalars(
            insert(Lecture).returning(Lecture.id, sort_by_parameter_order=True),
            [
                {
                    "course_id": fixed.course_id,
                    "revision_id": fixed.revision_id,
                    "lecturer_id": fixed.lecturer_id,
                    "title": f"法的保護情報講習 {number + 1}期 第{k + 1}回",
                    "scheduled_start": at,
                    "scheduled_end": at + timedelta(minutes=LECTURE_MINUTES),
                    "delivery": "classroom",
                    "venue": "ベンチ協同組合 研修室A",
                    "status": "ended",
                    "join_code": f"RB{seeded.lectures + k:08d}",
                    "started_at": at,
                    "ended_at": at + timedelta(minutes=LECTURE_MINUTES),
                    "confirmed_at": at + timedelta(minutes=LECTURE_MINUTES + 10),
                    "confirmed_by_id": fixed.lecturer_id,
                }
                for k, at in enumerate(slots)
            ],
        )
    )
    session.execute(
        insert(LectureCohort),
        [
            {"lecture_id": lid, "cohort_id": cohort_id, "cooperative_id": fixed.cooperative_id}
            for lid in lecture_ids
        ],
    )
    session.execute(
        insert(LectureModule),
        [
            {"lecture_id": lid, "module_code": code, "position": position}
            for lid in lecture_ids
            for position, (code, _area) in enumerate(fixed.modules)
        ],
    )
    session.execute(
        insert(Interpreter),
        [{"lecture_id": lid, "name": "ベンチ 通訳", "language": "vi"} for lid in lecture_ids],
    )
    # The timeline: start on the first area, a slide change to each next area, then the end.
    share = LECTURE_MINUTES // len(fixed.modules)
    events = []
    for lid, at in zip(lecture_ids, slots, strict=True):
        for index, (code, area) in enumerate(fixed.modules):
            events.append(
                {
                    "lecture_id": lid,
                    "kind": "start" if index == 0 else "slide",
                    "at": at + timedelta(minutes=index * share),
                    "module_code": code,
                    "position": 1,
                    "area_code": area,
                    "actor_id": fixed.lecturer_id,
                }
            )
        events.append(
            {
                "lecture_id": lid,
                "kind": "end",
                "at": at + timedelta(minutes=LECTURE_MINUTES),
                "actor_id": fixed.lecturer_id,
            }
        )
    session.execute(insert(LectureEvent), events)
    # Attendance: most trainees stayed throughout; some came late or missed a lecture.
    full = {area: share for area in fixed.areas}
    late = {**full, fixed.areas[0]: share // 3}
    absent = dict.fromkeys(fixed.areas, 0)
    rows = []
    corrections = []
    for k, (lid, at) in enumerate(zip(lecture_ids, slots, strict=True)):
        confirmed = at + timedelta(minutes=LECTURE_MINUTES + 10)
        corrected = (k * 7) % trainees  # one trainee per lecture has a corrected record
        for n, tid in enumerate(trainee_ids):
            pick = (n * 31 + k * 17) % 100
            minutes, source = (absent, "none") if pick < 2 else (late, "device")
            if pick >= 7:
                minutes = full
            row = {
                "lecture_id": lid,
                "trainee_id": tid,
                "cooperative_id": fixed.cooperative_id,
                "language": "vi",
                "minutes_by_area": minutes,
                "source": source,
                "recorded_by_id": fixed.lecturer_id,
                "recorded_at": confirmed,
                "superseded_at": None,
            }
            if n == corrected:
                row["superseded_at"] = confirmed + timedelta(days=1)
                corrections.append(
                    row
                    | {
                        "minutes_by_area": late if minutes is full else full,
                        "source": "roster",
                        "reason": "出席簿による訂正",
                        "recorded_at": confirmed + timedelta(days=1),
                        "superseded_at": None,
                    }
                )
            rows.append(row)
    session.execute(insert(AttendanceRecord), rows)
    session.execute(insert(AttendanceRecord), corrections)  # newer versions, higher ids
    answered = at_jst(start + timedelta(days=20), 18)
    session.execute(
        insert(QuizAnswer),
        [
            {
                "trainee_id": tid,
                "revision_id": fixed.revision_id,
                "module_code": fixed.modules[q % len(fixed.modules)][0],
                "position": q + 1,
                "choice": "B" if (n + q) % 5 else "C",
                "correct": bool((n + q) % 5),
                "language": "vi",
                "answered_at": answered + timedelta(minutes=q),
            }
            for n, tid in enumerate(trainee_ids)
            for q in range(QUIZ_ANSWERS_PER_TRAINEE)
        ],
    )
    session.execute(
        insert(StudySession),
        [
            {
                "trainee_id": tid,
                "revision_id": fixed.revision_id,
                "module_code": fixed.modules[0][0],
                "area_code": fixed.modules[0][1],
                "started_at": answered,
                "last_seen_at": answered + timedelta(minutes=30),
            }
            for tid in trainee_ids
        ],
    )
    seeded.cohorts += 1
    seeded.trainees += trainees
    seeded.lectures += lectures
    seeded.events += len(events)
    seeded.attendance += len(rows) + len(corrections)
    seeded.quiz_answers += trainees * QUIZ_ANSWERS_PER_TRAINEE
    return cohort_id


def seed(
    factory: sessionmaker[Session],
    settings: Settings,
    definition: CourseDefinition,
    args: argparse.Namespace,
) -> Seeded:
    began = time.perf_counter()
    with transaction(factory) as session:
        load_course(session, settings, definition)
    with transaction(factory) as session:
        fixed = seed_fixed(session, definition)
    seeded = Seeded(main_cohort=0, by_size={})
    seeded.regular = (args.cohorts, args.cohort_size, args.lectures_per_cohort)
    for number in range(args.cohorts):  # one transaction per cohort keeps memory flat
        with transaction(factory) as session:
            cohort_id = seed_cohort(
                session, fixed, number, args.cohort_size, args.lectures_per_cohort, seeded
            )
        if number == 0:
            seeded.main_cohort = cohort_id
            seeded.by_size[args.cohort_size] = cohort_id
    for size in args.sizes:
        if size not in seeded.by_size:
            with transaction(factory) as session:
                seeded.by_size[size] = seed_cohort(
                    session, fixed, seeded.cohorts, size, args.lectures_per_cohort, seeded
                )
            seeded.extra.append(size)
    seeded.seconds = time.perf_counter() - began
    return seeded


def analyze(engine: Engine) -> None:
    """PostgreSQL: fresh statistics, as autovacuum would give a while after a bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


# --- measuring --------------------------------------------------------------------------


@dataclass
class CohortResult:
    trainees: int
    lectures: int
    versions: int  # attendance rows read
    record_seconds: list[float] = field(default_factory=list)
    xlsx_seconds: list[float] = field(default_factory=list)
    record_statements: set[int] = field(default_factory=set)
    xlsx_statements: set[int] = field(default_factory=set)
    xlsx_bytes: int = 0
    longest_cell: int = 0  # characters of the longest text given to one cell


def longest_text(record: service.CohortRecord) -> int:
    """The longest text the workbook is given for one cell (before openpyxl writes it).

    openpyxl silently cuts a cell's text to 32,767 characters, Excel's limit, so the written
    file cannot show a longer value: what is past the limit is lost.
    """
    rows = exports.lecture_rows(record) + exports.trainee_rows(record, "ja")
    return max(
        (len(value) for row in rows for value in row.values() if isinstance(value, str)),
        default=0,
    )


def measure_cohort(
    factory: sessionmaker[Session],
    counter: StatementCounter,
    definition: CourseDefinition,
    cohort_id: int,
    *,
    repeat: int,
    budget: float = math.inf,
) -> CohortResult:
    """Time cohort_record and record_xlsx, each run in a fresh session like a request's."""
    result: CohortResult | None = None
    began = time.perf_counter()
    while result is None or (
        len(result.record_seconds) < repeat and time.perf_counter() - began < budget
    ):
        with factory() as session:
            cohort = session.get(Cohort, cohort_id)
            assert cohort is not None
            counter.count = 0
            started = time.perf_counter()
            record = service.cohort_record(session, cohort, definition)
            gathered = time.perf_counter()
            record_statements = counter.count
            counter.count = 0
            workbook = exports.record_xlsx(record)
            written = time.perf_counter()
            if result is None:
                result = CohortResult(
                    trainees=len(record.trainees),
                    lectures=len(record.lectures),
                    versions=sum(len(v) for v in record.attendance.values()),
                    xlsx_bytes=len(workbook),
                    longest_cell=longest_text(record),
                )
            result.record_seconds.append(gathered - started)
            result.xlsx_seconds.append(written - gathered)
            result.record_statements.add(record_statements)
            result.xlsx_statements.add(counter.count)
    assert result is not None
    return result


@dataclass
class RouteResult:
    label: str
    status: int
    seconds: float
    statements: int
    size: int


OVERVIEW = "GET /cohorts (cooperative overview page)"


def measure_routes(
    settings: Settings, factory: sessionmaker[Session], cohort_id: int
) -> list[RouteResult]:
    """GET the compliance dashboard's data and the workbook once each (after one warm-up)."""
    with transaction(factory) as session:
        admin = User(
            role="admin", display_name="ベンチ 管理者", email="admin@records-bench.example"
        )
        session.add(admin)
        session.flush()
        signed = browser(
            settings.secret_key, admin.email or "", accounts.start_session(session, admin)
        )
    # no poll timer: its statements, every second, would land in the counts at random
    app = create_app(settings.model_copy(update={"poll_timer_seconds": 0}))
    counter = StatementCounter(app.state.engine)
    results = []
    try:
        with TestClient(app, headers={"Cookie": signed.cookie}) as client:
            for label, path in (
                ("GET …/compliance (JSON), TestClient", f"/api/v1/cohorts/{cohort_id}/compliance"),
                ("GET …/record.xlsx, TestClient", f"/api/v1/cohorts/{cohort_id}/record.xlsx"),
                (OVERVIEW, "/cohorts"),
            ):
                client.get(path)  # warm-up: imports, compiled SQL, the pool
                counter.count = 0
                started = time.perf_counter()
                response = client.get(path)
                seconds = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:300]}")
                results.append(
                    RouteResult(
                        label, response.status_code, seconds, counter.count, len(response.content)
                    )
                )
    finally:
        counter.close()
    return results


# --- reporting --------------------------------------------------------------------------


def seconds_row(label: str, values: list[float], statements: set[int], extra: str = "") -> str:
    counts = ",".join(str(n) for n in sorted(statements))
    return (
        f"{label:<44}{statistics.median(values):>10.3f}{min(values):>9.3f}"
        f"{len(values):>6}{counts:>12}{extra}"
    )


def print_report(
    args: argparse.Namespace,
    database: str,
    seeded: Seeded,
    main: CohortResult,
    sizes: list[CohortResult],
    routes: list[RouteResult],
    *,
    load: float,
) -> None:
    cohorts, size, lectures = seeded.regular
    print("Koshu records benchmark: a cohort's compliance dashboard data and training-record XLSX")
    print(
        f"  data      1 cooperative: {cohorts} cohorts x {size} trainees = {cohorts * size:,} "
        f"trainees, {cohorts * lectures:,} lectures ({lectures} per cohort, 60 min, 4 areas)"
    )
    if seeded.extra:
        print(
            f"  extra     cohorts of {', '.join(f'{n:,}' for n in seeded.extra)} trainees "
            f"({lectures} lectures each), for the comparison by size"
        )
    print(
        f"  rows      {seeded.trainees:,} trainees and users, {seeded.lectures:,} lectures, "
        f"{seeded.events:,} timeline events, {seeded.attendance:,} attendance records "
        f"(1 correction per lecture), {seeded.quiz_answers:,} quiz answers"
    )
    print(f"  database  {database}; bulk-seeded in {seeded.seconds:.1f} s")
    print(
        f"  runs      median of {args.repeat} after 1 warm-up, each in a fresh session; "
        "statements counted with before_cursor_execute"
    )
    print(
        f"  machine   {os.cpu_count()} CPUs, load average {load:.2f} at start; Python "
        f"{platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"openpyxl {openpyxl.__version__}"
    )
    print()
    print(
        f"one cohort: {main.trainees} trainees, {main.lectures} lectures, "
        f"{main.versions:,} attendance versions"
    )
    header = f"{'operation':<44}{'median s':>10}{'min s':>9}{'runs':>6}{'SQL stmts':>12}"
    print(header)
    print("-" * len(header))
    print(
        seconds_row(
            "service.cohort_record (dashboard data)", main.record_seconds, main.record_statements
        )
    )
    print(
        seconds_row(
            "exports.record_xlsx (from that record)",
            main.xlsx_seconds,
            main.xlsx_statements,
            f"   {main.xlsx_bytes / 1024:,.0f} KB",
        )
    )
    for route in routes:
        print(
            f"{route.label:<44}{route.seconds:>10.3f}{'':>9}{1:>6}"
            f"{route.statements:>12}   {route.size / 1024:,.0f} KB, incl. sign-in lookups"
        )
    print()
    print(
        f"by cohort size ({lectures} lectures each; runs stop at {args.repeat} or ~{SIZE_BUDGET_SECONDS:.0f} s)"
    )
    header = (
        f"{'trainees':>8}{'att. rows':>11}{'SQL stmts':>11}{'record s':>10}{'ms/trainee':>12}"
        f"{'xlsx s':>9}{'ms/trainee':>12}{'runs':>6}{'longest cell':>14}"
    )
    print(header)
    print("-" * len(header))
    for result in sizes:
        record = statistics.median(result.record_seconds)
        xlsx = statistics.median(result.xlsx_seconds)
        counts = ",".join(str(n) for n in sorted(result.record_statements))
        over = "  CUT to 32,767" if result.longest_cell > EXCEL_CELL_LIMIT else ""
        print(
            f"{result.trainees:>8,}{result.versions:>11,}{counts:>11}{record:>10.3f}"
            f"{record / result.trainees * 1000:>12.3f}{xlsx:>9.3f}"
            f"{xlsx / result.trainees * 1000:>12.3f}{len(result.record_seconds):>6}"
            f"{result.longest_cell:>14,}{over}"
        )
    counts = set().union(*(r.record_statements for r in sizes))
    verdict = "PASS" if len(counts) == 1 else "FAIL"
    print(
        f"statements per cohort_record: {', '.join(str(n) for n in sorted(counts))} for every "
        f"size   {verdict} (must not depend on the number of trainees)"
    )
    for small, large in pairwise(sizes):
        more = large.trainees / small.trainees
        slower = statistics.median(large.record_seconds) / statistics.median(small.record_seconds)
        print(
            f"{small.trainees:,} -> {large.trainees:,} trainees (x{more:.0f}): cohort_record "
            f"x{slower:.0f} time" + ("   NOT LINEAR" if slower > 2 * more else "")
        )
    print_targets(seeded, main, sizes, routes)
    if any(r.longest_cell > EXCEL_CELL_LIMIT for r in sizes):
        print(
            "longest cell: a text longer than 32,767 characters is cut there by openpyxl "
            "(Excel's limit), silently"
        )


def print_targets(
    seeded: Seeded, main: CohortResult, sizes: list[CohortResult], routes: list[RouteResult]
) -> None:
    """The issue's targets for a clerk, each with PASS or OVER (the sizes measured only)."""
    cohorts, size, _lectures = seeded.regular
    figures = [(f"dashboard data, {main.trainees:,} trainees", main.record_seconds, 0.3)]
    for result in sizes:
        if result.trainees >= 2000:
            figures.append(
                (f"dashboard data, {result.trainees:,} trainees", result.record_seconds, 1.0)
            )
            figures.append((f"XLSX, {result.trainees:,} trainees", result.xlsx_seconds, 2.0))
    for route in routes:
        if route.label == OVERVIEW:
            figures.append(
                (f"cooperative overview, {cohorts * size:,} trainees", [route.seconds], 0.5)
            )
    print("targets (issue 14)")
    for label, values, target in figures:
        median = statistics.median(values)
        verdict = "PASS" if median <= target else "OVER"
        print(
            targets.kept(
                "records", f"  {label:<52}{median:>9.3f} s     target <= {target:g} s     {verdict}"
            )
        )


# --- entry point ------------------------------------------------------------------------


def sizes_list(text_value: str) -> list[int]:
    try:
        numbers = [int(part) for part in text_value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("give numbers separated by commas, e.g. 20,200") from None
    if not all(1 <= n <= 20_000 for n in numbers):
        raise argparse.ArgumentTypeError("each size must be between 1 and 20000")
    return sorted(set(numbers))


def own_options(parser: argparse.ArgumentParser) -> None:
    """The options only this benchmark knows (the others share --database-url and --repeat)."""
    parser.add_argument("--cohorts", type=int, default=50, help="regular cohorts (default 50)")
    parser.add_argument(
        "--cohort-size", type=int, default=200, help="trainees per regular cohort (default 200)"
    )
    parser.add_argument(
        "--lectures-per-cohort", type=int, default=40, help="lectures per cohort (default 40)"
    )
    parser.add_argument(
        "--sizes",
        type=sizes_list,
        default=[20, 200, 2000],
        metavar="N[,N...]",
        help="cohort sizes compared (default 20,200,2000; other than --cohort-size: extra cohorts)",
    )
    parser.add_argument(
        "--no-http", action="store_true", help="skip the routes through FastAPI's TestClient"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks --only records",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    own_options(parser)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL (the database name must contain 'bench'; created if missing, "
        "emptied first)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--workdir", type=Path, help="make the temporary data folder here")
    return parser


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.database_url:
        if not args.database_url.startswith("postgresql"):
            parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
        if problem := bench_database_problem(args.database_url):
            parser.error(f"--database-url: {problem}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.cohorts < 1 or args.cohort_size < 1:
        parser.error("--cohorts and --cohort-size must be at least 1")
    if not 1 <= args.lectures_per_cohort <= 96:
        parser.error("--lectures-per-cohort must be between 1 and 96 (4 a day in 24 days)")


def run(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0]
    definition = load_definitions(bench_settings(REPO_ROOT / "var").courses_dir)[COURSE]
    with tempfile.TemporaryDirectory(prefix="koshu-records-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        data_dir.mkdir()
        databases = Databases.migrated(workdir, args.database_url)
        url = databases.fresh().url.render_as_string(hide_password=False)
        databases.close()
        settings = bench_settings(data_dir, url)
        settings.ensure_dirs()
        engine = make_engine(url)
        counter = StatementCounter(engine)
        try:
            factory = make_session_factory(engine)
            seeded = seed(factory, settings, definition, args)
            analyze(engine)
            measure = measure_cohort
            measure(factory, counter, definition, seeded.main_cohort, repeat=1)  # warm-up
            main = measure(factory, counter, definition, seeded.main_cohort, repeat=args.repeat)
            sizes = [
                measure(
                    factory,
                    counter,
                    definition,
                    seeded.by_size[size],
                    repeat=args.repeat,
                    budget=SIZE_BUDGET_SECONDS,
                )
                for size in args.sizes
            ]
            routes = [] if args.no_http else measure_routes(settings, factory, seeded.main_cohort)
        finally:
            counter.close()
            engine.dispose()
        database = (
            make_url(url).render_as_string(hide_password=True)
            if args.database_url
            else "SQLite file (WAL)"
        )
        print_report(args, database, seeded, main, sizes, routes, load=load)
    return 0


def split_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """This benchmark's options, and the arguments left for the import benchmark.

    --database-url and --repeat stay in both; this benchmark's own options are taken out.
    """
    parser = build_parser()
    args, _unknown = parser.parse_known_args(argv)
    check(parser, args)
    own = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    own_options(own)
    _, rest = own.parse_known_args(argv)
    return args, rest


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check(parser, args)
    return run(args)


if __name__ == "__main__":  # also runnable on its own
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
