"""Deck import benchmark: Koshu's import of a 150-slide deck against a bare python-pptx read.

The baseline opens the same file with python-pptx and reads every text (shapes, tables, groups,
notes); Koshu's import also checks the package, keeps the pictures, splits modules, stores
files and writes rows. Times come from interleaved in-process runs; memory from one run of
each operation in a fresh subprocess, so earlier runs cannot raise the high-water mark.
The fixed cost is the median import of a one-slide deck, each into a fresh database.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pptx
import sqlalchemy
from PIL import Image
from pptx import Presentation
from pptx.shapes.group import GroupShape
from sqlalchemy import Engine, create_engine, make_url, text

import app.models  # noqa: F401  (registers every table in Base.metadata, for TRUNCATE)
from app.cli import migrate_database
from app.config import Settings
from app.courses.definitions import CourseDefinition, load_definitions
from app.courses.flows import DeckUpload, import_deck, limits_from
from app.db import Base, make_engine, make_session_factory, transaction
from app.decks.api import parse_deck
from tests import deckmaker

REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE = "legal-protection"
SECTIONS, SLIDES_PER_SECTION = 10, 15
QUIZ_AT = (7, 13)  # 0-based positions in a section; never a table slide (every third)
TARGET_RATIO = 1.5
GOAL_RATIO = 1.3
FIXED_COST_TARGET_MS = 20
FIXED_COST_RUNS = 20

TOPICS = [
    "技能実習制度の概要",
    "技能実習法と監理団体",
    "出入国管理及び難民認定法",
    "在留カードと届出",
    "労働基準法の基本",
    "賃金と労働時間",
    "労働安全衛生と労災保険",
    "社会保険と税金",
    "相談窓口と保護の仕組み",
    "日本での生活のルール",
]
PHRASES = [
    "技能実習生には日本人と同じく労働基準法が適用されます",
    "賃金は毎月一回以上、決まった日に全額が支払われます",
    "パスポートや在留カードを取り上げることは法律で禁止されています",
    "時間外労働や休日労働には割増賃金が支払われます",
    "困ったときは外国人技能実習機構の母国語相談を利用できます",
    "在留カードはいつも持ち歩かなければなりません",
    "最低賃金より低い賃金で働かせることは違法です",
    "強制的な貯金や違約金の約束は禁止されています",
    "仕事中にけがをしたときは労災保険で治療を受けられます",
    "実習先を変えたいときは監理団体や機構に相談できます",
    "住所が変わったら十四日以内に市区町村へ届け出ます",
    "健康保険と厚生年金、雇用保険に加入します",
]


# --- the deck ---------------------------------------------------------------------------


def picture(seed: int) -> bytes:
    """Return a distinct PNG of roughly 30-80 KB: a tinted, rotated gradient with noise.

    The noise keeps PNG from compressing it to nothing, so the deck carries real picture bytes.
    """
    rng = random.Random(seed)
    width = rng.randrange(176, 225, 16)
    size = (width, width * 5 // 8)
    gradient = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360)).convert("RGB")
    tint = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    image = Image.blend(Image.blend(gradient, tint, 0.5), noise, rng.uniform(0.05, 0.3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def lecture(rng: random.Random) -> list[tuple[str, list[deckmaker.S]]]:
    """Return 10 sections of 15 slides: bullets, notes, a table every third, two quizzes each."""
    modules = []
    for section, topic in enumerate(TOPICS):
        slides = []
        for position in range(SLIDES_PER_SECTION):
            number = section * SLIDES_PER_SECTION + position + 1
            if position in QUIZ_AT:
                choices = rng.sample(PHRASES, 4)
                spec = deckmaker.quiz(
                    f"問題 {number}: {topic}について正しいものはどれですか",
                    choices,
                    "B",
                    explanation=f"{choices[1]}。テキスト{section + 1}章を参照。",
                )
            else:
                bullets = [
                    f"{phrase}（{number}-{index}）"
                    for index, phrase in enumerate(rng.sample(PHRASES, rng.randint(3, 6)), 1)
                ]
                notes = (
                    f"講師メモ {number}: {rng.choice(PHRASES)}。"
                    f"受講生に質問して理解を確かめます。{rng.choice(PHRASES)}。"
                )
                spec = deckmaker.S(f"{topic} ({position + 1})", bullets, notes=notes)
                if number % 3 == 0:
                    spec.table = [["項目", "内容", "根拠"]] + [
                        [f"項目{row}", rng.choice(PHRASES), f"第{rng.randint(1, 120)}条"]
                        for row in range(1, 4)
                    ]
            spec.picture = picture(number)
            slides.append(spec)
        modules.append((f"LP-{section + 1:02d} {topic}", slides))
    return modules


def build_deck(path: Path) -> Path:
    """Write the benchmark deck (deterministic, so every run measures the same file)."""
    return deckmaker.build(path, lecture(random.Random(20240401)))


def build_one_slide_deck(path: Path) -> Path:
    """Write the smallest deck a lecturer imports: one module of one slide, for the fixed cost."""
    slide = deckmaker.S(TOPICS[0], [PHRASES[0]], notes=PHRASES[1])
    return deckmaker.build(path, [(f"LP-01 {TOPICS[0]}", [slide])])


# --- the operations ---------------------------------------------------------------------


def _shape_texts(shapes: Any) -> Iterator[str]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif shape.has_table:
            for row in shape.table.rows:
                for cell in row.cells:
                    yield cell.text
        elif shape.has_text_frame:
            yield shape.text_frame.text


def read_all_text(path: Path) -> int:
    """Baseline: open with python-pptx, read every shape's and the notes' text; return chars."""
    chars = 0
    for slide in Presentation(str(path)).slides:
        chars += sum(len(text) for text in _shape_texts(slide.shapes))
        if slide.has_notes_slide:
            frame = slide.notes_slide.notes_text_frame
            chars += len(frame.text) if frame is not None else 0
    return chars


def bench_settings(data_dir: Path, database_url: str | None = None) -> Settings:
    """Settings for one run; a missing soffice means no render job, only the import itself."""
    return Settings(
        environment="development",
        data_dir=data_dir,
        database_url=database_url,
        run_worker=False,
        soffice_path="/nonexistent",
    )


class Databases:
    """Hand out an empty, migrated database per run (a copied SQLite template or PostgreSQL),
    always behind the same engine.

    A running app keeps one engine, so SQL it has compiled once stays cached for every later
    import. SQLAlchemy keys that cache by the engine's dialect, so an engine per run (even
    sharing one cache) compiles every statement again and measures a cold app instead.
    """

    def __init__(self, *, template: Path | None = None, postgres_url: str | None = None) -> None:
        self.template = template
        self.postgres_url = postgres_url
        self._engine: Engine | None = None

    @classmethod
    def migrated(cls, workdir: Path, postgres_url: str | None) -> Databases:
        """Migrate once; every run then starts from a copy (SQLite) or a TRUNCATE (PostgreSQL)."""
        folder = Path(tempfile.mkdtemp(prefix="template-", dir=workdir))
        if postgres_url:
            ensure_postgres_database(postgres_url)
            migrate_database(bench_settings(folder, postgres_url))
            return cls(postgres_url=postgres_url)
        # Migrating takes longer than an import; copy one migrated file, as the tests do.
        template = folder / "koshu.sqlite3"
        migrate_database(bench_settings(folder, f"sqlite:///{template}"))
        return cls(template=template)

    def fresh(self) -> Engine:
        """Return the one engine, its database emptied (and no connection held) for a run."""
        if self.postgres_url is None:
            assert self.template is not None
            target = self.template.with_name(f"run-{os.getpid()}.sqlite3")  # one per process
            if self._engine is not None:
                self._engine.dispose()  # no connection may hold the file being replaced
            shutil.copyfile(self.template, target)
            url = f"sqlite:///{target}"
        else:
            url = self.postgres_url
        if self._engine is None:
            self._engine = make_engine(url)
        if self.postgres_url is not None:
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            with self._engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def bench_database_problem(url: str) -> str | None:
    """Say why the benchmark may not use this PostgreSQL URL, or return None."""
    name = make_url(url).database or ""
    # Every run empties the database, and the test suite drops `test`: only *bench* names.
    if "bench" not in name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        return (
            f"database {name!r} must be a name containing 'bench' (letters, digits, _); "
            "the benchmark empties it on every run"
        )
    return None


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database when missing (checked by bench_database_problem first)."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:  # CREATE DATABASE cannot run inside a transaction, hence AUTOCOMMIT
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@dataclass
class Bench:
    deck: Path
    workdir: Path
    databases: Databases
    definition: CourseDefinition


@contextmanager
def prepare_baseline(bench: Bench) -> Iterator[Callable[[], object]]:
    yield lambda: read_all_text(bench.deck)


@contextmanager
def prepare_parse(bench: Bench) -> Iterator[Callable[[], object]]:
    settings = bench_settings(bench.workdir)

    def run() -> object:
        parsed = parse_deck(
            bench.deck, limits=limits_from(settings), max_slides=settings.max_slides
        )
        if parsed.has_errors:
            raise RuntimeError(f"benchmark deck has errors: {parsed.problems}")
        return parsed

    yield run


@contextmanager
def prepare_import(bench: Bench) -> Iterator[Callable[[], object]]:
    """Yield a full import into a fresh data dir and an emptied database (setup is not timed)."""
    data_dir = Path(tempfile.mkdtemp(prefix="import-", dir=bench.workdir))
    settings = bench_settings(data_dir)
    settings.ensure_dirs()
    engine = bench.databases.fresh()
    try:
        # An app imports over a pooled connection; opening the first one is not import work.
        with engine.connect():
            pass
        factory = make_session_factory(engine)
        upload = DeckUpload(
            path=bench.deck, filename=bench.deck.name, language="ja", note="benchmark"
        )

        def run() -> object:
            with transaction(factory) as session:
                report = import_deck(
                    session, settings=settings, definition=bench.definition, upload=upload
                )
            if report["status"] != "accepted":
                raise RuntimeError(f"benchmark deck was rejected: {report['problems']}")
            return report

        yield run
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


Prepare = Callable[[Bench], AbstractContextManager[Callable[[], object]]]
OPERATIONS: dict[str, tuple[str, Prepare]] = {
    "baseline": ("baseline: python-pptx, all text", prepare_baseline),
    "parse": ("ours: parse_deck", prepare_parse),
    "import": ("ours: import_deck + commit", prepare_import),
}


# --- measuring --------------------------------------------------------------------------


def time_operations(
    bench: Bench, *, repeat: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Return each operation's timed durations, wall clock and CPU; rounds interleave
    operations to share drift.

    CPU time (all threads of this process) hardly moves when other processes load the
    machine, where wall clock does: on a shared machine compare the CPU ratio.
    """
    times: dict[str, list[float]] = {name: [] for name in OPERATIONS}
    cpu: dict[str, list[float]] = {name: [] for name in OPERATIONS}
    for round_number in range(warmup + repeat):
        for name, (_, prepare) in OPERATIONS.items():
            with prepare(bench) as run:
                gc.collect()  # garbage of the previous run is not this run's cost
                start, start_cpu = time.perf_counter(), time.process_time()
                run()
                elapsed = time.perf_counter() - start
                elapsed_cpu = time.process_time() - start_cpu
            if round_number >= warmup:
                times[name].append(elapsed)
                cpu[name].append(elapsed_cpu)
    return times, cpu


def time_fixed_cost(
    bench: Bench, *, runs: int = FIXED_COST_RUNS
) -> tuple[list[float], list[float]]:
    """Return the wall-clock and CPU durations of importing a one-slide deck, each run into
    a freshly emptied database."""
    small = Bench(
        build_one_slide_deck(bench.workdir / "one-slide.ja.pptx"),
        bench.workdir,
        bench.databases,
        bench.definition,
    )
    times, cpu = [], []
    for round_number in range(runs + 1):
        with prepare_import(small) as run:
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            elapsed = time.perf_counter() - start
            elapsed_cpu = time.process_time() - start_cpu
        if round_number:  # the first run warms the caches a running app has warm
            times.append(elapsed)
            cpu.append(elapsed_cpu)
    return times, cpu


def _status_kb(field: str) -> int | None:
    """Return a VmRSS/VmHWM figure of this process from /proc, or None off Linux."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in lines if line.startswith(f"{field}:")), None)


def _maxrss_kb() -> int:
    """Fallback off Linux /proc (may include the parent's mark, see measure_memory_here)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+), so setup's peak cannot hide the run's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_memory_here(bench: Bench, name: str) -> dict[str, int]:
    """Run one operation for peak RSS, then once more under tracemalloc (which slows it).

    ru_maxrss of a spawned child starts at its parent's high-water mark (Linux carries it
    across exec), so the child's own address space is read from VmHWM when /proc has it.
    """
    prepare = OPERATIONS[name][1]
    with prepare(bench) as run:
        gc.collect()
        use_proc = _status_kb("VmRSS") is not None and _reset_peak()
        start_kb = _status_kb("VmRSS") if use_proc else _maxrss_kb()
        run()
        peak_kb = _status_kb("VmHWM") if use_proc else _maxrss_kb()
    with prepare(bench) as run:
        tracemalloc.start()
        run()
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"start_kb": start_kb or 0, "peak_kb": peak_kb or 0, "traced_peak": traced_peak}


def measure_memory(bench: Bench, name: str) -> dict[str, int]:
    """Measure one operation in a fresh interpreter, so earlier runs leave no high-water mark."""
    command = [
        sys.executable,
        "-m",
        "tests.benchmarks",
        "--child",
        name,
        "--deck",
        str(bench.deck),
        "--workdir",
        str(bench.workdir),
    ]
    if bench.databases.postgres_url:
        command += ["--database-url", bench.databases.postgres_url]
    elif bench.databases.template:
        command += ["--template", str(bench.databases.template)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory run of {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- reporting --------------------------------------------------------------------------


def deck_summary(deck: Path) -> str:
    parsed = parse_deck(deck, limits=limits_from(bench_settings(deck.parent)))
    sizes = sorted(len(p.data) for p in parsed.pictures.values())
    quizzes = sum(s.kind == "quiz" for m in parsed.modules for s in m.slides)
    return (
        f"{parsed.slide_count} slides in {len(parsed.modules)} modules, {quizzes} quizzes, "
        f"{len(sizes)} pictures ({sizes[0] // 1024}-{sizes[-1] // 1024} KB), "
        f"file {deck.stat().st_size / 2**20:.1f} MB"
    )


def filesystem(path: Path) -> str:
    """Return the type of the filesystem holding path (stored files cost differ a lot by it)."""
    try:
        mounts = [line.split()[1:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown filesystem"
    resolved = str(path.resolve())
    point, kind = max(
        ((point, kind) for point, kind in mounts if resolved.startswith(point.rstrip("/") + "/")),
        key=lambda mount: len(mount[0]),
        default=("/", "unknown"),
    )
    return f"{kind} at {point}"


def print_report(
    bench: Bench,
    database: str,
    times: dict[str, list[float]],
    cpu: dict[str, list[float]],
    memory: dict[str, dict[str, int]],
    fixed: tuple[list[float], list[float]],
    *,
    repeat: int,
    warmup: int,
    load: float,
) -> None:
    median = {name: statistics.median(values) for name, values in times.items()}
    fastest = {name: min(values) for name, values in times.items()}
    print("Koshu deck import benchmark")
    print(f"  deck      {deck_summary(bench.deck)}")
    print(f"  database  {database} (empty and migrated for every import)")
    print(f"  files     {bench.workdir} ({filesystem(bench.workdir)})")
    print(
        f"  runs      {repeat} timed after {warmup} warm-up, interleaved; memory: one run each "
        "in a fresh process"
    )
    print(
        f"  machine   {os.cpu_count()} CPUs, load average {load:.2f} at start; Python "
        f"{platform.python_version()}, python-pptx {pptx.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )
    print()
    header = (
        f"{'operation':<34}{'median s':>9}{'min s':>9}{'x base':>8}"
        f"{'peak RSS':>11}{'RSS growth':>12}{'py alloc peak':>15}"
    )
    print(header)
    print("-" * len(header))
    for name, (label, _) in OPERATIONS.items():
        mem = memory[name]
        print(
            f"{label:<34}{median[name]:>9.3f}{fastest[name]:>9.3f}"
            f"{median[name] / median['baseline']:>7.2f}x"
            f"{mem['peak_kb'] / 1024:>8.0f} MB{(mem['peak_kb'] - mem['start_kb']) / 1024:>9.0f} MB"
            f"{mem['traced_peak'] / 2**20:>12.0f} MB"
        )
    rest = median["import"] - median["parse"]
    print(
        f"{'  of which files + DB (import-parse)':<34}{rest:>9.3f}"
        f"{fastest['import'] - fastest['parse']:>9.3f}{rest / median['baseline']:>7.2f}x"
    )
    print()
    ratio = median["import"] / median["baseline"]
    verdict = "PASS" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"import / baseline: {ratio:.2f}x on medians ({fastest['import'] / fastest['baseline']:.2f}x"
        f" on minimums)   target <= {TARGET_RATIO:.1f}x, goal {GOAL_RATIO:.1f}x   {verdict}"
    )
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    print(
        f"import / baseline in CPU time: {cpu_median['import'] / cpu_median['baseline']:.2f}x "
        f"(parse {cpu_median['parse'] / cpu_median['baseline']:.2f}x; medians "
        f"{cpu_median['baseline']:.3f} s, {cpu_median['parse']:.3f} s, {cpu_median['import']:.3f} s)"
    )
    fixed_wall, fixed_cpu = fixed
    fixed_ms = statistics.median(fixed_wall) * 1000
    verdict = "PASS" if fixed_ms < FIXED_COST_TARGET_MS else "OVER"
    print(
        f"fixed cost (one-slide deck, import + commit): {fixed_ms:.1f} ms median "
        f"({min(fixed_wall) * 1000:.1f} ms min, {statistics.median(fixed_cpu) * 1000:.1f} ms CPU, "
        f"{len(fixed_wall)} runs)   target < {FIXED_COST_TARGET_MS} ms   {verdict}"
    )
    print(
        "peak RSS: the child process's high-water mark (VmHWM), interpreter and imports "
        "included;\ngrowth: peak minus RSS just before the operation; py alloc: tracemalloc peak."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL to import into (database name "
        "must contain 'bench'; it is created if missing and emptied per run)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--deck", type=Path, help="benchmark this .pptx instead of generating one")
    parser.add_argument("--child", choices=OPERATIONS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="make the temporary folder (deck, databases, stored files) "
        "here; its filesystem matters (default: the system temp folder)",
    )
    parser.add_argument("--template", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.database_url:
        if not args.database_url.startswith("postgresql"):
            parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
        if problem := bench_database_problem(args.database_url):
            parser.error(f"--database-url: {problem}")
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    definition = load_definitions(bench_settings(REPO_ROOT / "var").courses_dir)[COURSE]

    if args.child:
        with tempfile.TemporaryDirectory(prefix="child-", dir=args.workdir) as tmp:
            workdir = Path(tmp)
            databases = Databases(template=args.template, postgres_url=args.database_url)
            bench = Bench(args.deck, workdir, databases, definition)
            try:
                print(json.dumps(measure_memory_here(bench, args.child)))
            finally:
                databases.close()
        return 0

    load = os.getloadavg()[0]  # other processes on the machine skew the times; say so
    with tempfile.TemporaryDirectory(prefix="koshu-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        deck = args.deck.resolve() if args.deck else build_deck(workdir / "benchmark.ja.pptx")
        databases = Databases.migrated(workdir, args.database_url)
        bench = Bench(deck, workdir, databases, definition)
        times, cpu = time_operations(bench, repeat=args.repeat, warmup=args.warmup)
        fixed = time_fixed_cost(bench)
        databases.close()  # the memory runs, in other processes, use databases of their own
        memory = {name: measure_memory(bench, name) for name in OPERATIONS}
        database = (
            make_url(args.database_url).render_as_string(hide_password=True)
            if args.database_url
            else "SQLite file"
        )
        print_report(
            bench,
            database,
            times,
            cpu,
            memory,
            fixed,
            repeat=args.repeat,
            warmup=args.warmup,
            load=load,
        )
    return 0
