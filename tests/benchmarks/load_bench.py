"""Many halls on many processes: several lectures live at once, phones spread over app processes.

PostgreSQL only (broadcasts travel by LISTEN/NOTIFY between processes). The benchmark empties
the database it is given (its name must contain "bench"), migrates it, loads the sample
course, and schedules ``--lectures`` lectures with a cohort of ``--phones`` trainees each. It
starts ``--processes`` uvicorn processes (no worker inside) and one ``koshu worker`` process,
all on 127.0.0.1, then:

1. every phone opens its lecture's event stream at once, spread over the processes, while
   phones already in ping (the connection storm);
2. every lecture's presenter, each on a process of its own choosing, changes slides
   ``--changes`` times, all lectures at once; each delivery is timed to each phone, and a
   phone that receives a version twice counts as a duplicate, one it never receives as lost;
3. the database's connection count is sampled throughout.

Bounded: at most 10,000 phones and 8 processes, every wait has a timeout, and the servers
are stopped on any exit. Run with ``make bench-load`` or
``python -m tests.benchmarks.load_bench --database-url postgresql+psycopg://...bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from app.accounts import security
from app.accounts import service as accounts
from app.config import Settings
from app.courses.definitions import load_definitions
from app.db import MAX_OVERFLOW, POOL_SIZE, make_engine, make_session_factory, transaction
from tests.benchmarks.import_bench import Databases, bench_database_problem
from tests.benchmarks.lecture_bench import (
    COURSE,
    HOST,
    OPERATOR,
    REPO_ROOT,
    REQUEST_TIMEOUT,
    Browser,
    Connection,
    EventStream,
    Installation,
    LoadResult,
    browser,
    hammer,
    http_request,
    koshu_command,
    lecture_hall,
    percentile,
    run_clients,
    tail,
    uvicorn_server,
    verdict,
    warm_up,
)


@dataclass
class Hall:
    lecture_id: int
    presenter: Browser
    phones: list[Browser]


@dataclass
class Site:
    installation: Installation  # the database, secret and data folder (its lecture unused)
    halls: list[Hall]


def install(workdir: Path, database_url: str, halls: int, phones: int) -> Site:
    """An emptied, migrated database with the samples and ``halls`` lectures of ``phones``."""
    databases = Databases.migrated(workdir, database_url)
    databases.fresh()
    databases.close()
    installation = Installation(
        data_dir=workdir / "data",
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        lecture_id=0,
        presenter=Browser("", "", ""),
        trainees=[],
    )
    koshu_command(installation, "load-samples")
    settings = Settings(
        data_dir=installation.data_dir,
        database_url=database_url,
        secret_key=installation.secret_key,
        run_worker=False,
    )
    definition = load_definitions(settings.courses_dir)[COURSE]
    security.configure(time_cost=1, memory_cost_kib=1024)  # PINs are never checked here
    engine = make_engine(database_url)
    site = Site(installation, [])
    try:
        with transaction(make_session_factory(engine)) as session:
            cooperative = accounts.create_cooperative(
                session, OPERATOR, name="負荷試験協同組合", licence_number="LOAD-0001"
            )
            lecturer = accounts.create_user(
                session,
                OPERATOR,
                role="lecturer",
                email="lecturer@load.example",
                display_name="負荷 講師",
                password=secrets.token_urlsafe(16),
                qualification="attorney",
            )
            presenter = browser(
                installation.secret_key,
                lecturer.email or "",
                accounts.start_session(session, lecturer),
            )
            for hall in range(halls):
                lecture_id, hall_phones = lecture_hall(
                    session,
                    definition,
                    secret_key=installation.secret_key,
                    cooperative_id=cooperative.id,
                    lecturer_id=lecturer.id,
                    name=f"負荷試験 第{hall + 1}期",
                    numbers=f"LOAD-{hall:02d}-",
                    phones=phones,
                )
                site.halls.append(Hall(lecture_id, presenter, hall_phones))
    finally:
        engine.dispose()
    return site


@contextlib.contextmanager
def worker_process(installation: Installation, log: Path):  # type: ignore[no-untyped-def]
    """``koshu worker`` beside the app processes, as a deployment runs it."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=REPO_ROOT,
            env=installation.env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class Outcome:
    phones: int = 0
    connect_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    start_ms: list[float] = field(default_factory=list)  # of them, the lectures' starts
    start_post_ms: list[float] = field(default_factory=list)  # the start's POST
    commits_per_second: float = 0.0  # the database's, while the lectures were live
    presenter_ms: list[float] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    failed_streams: int = 0
    storm: LoadResult | None = None
    connections: list[int] = field(default_factory=list)


def commits(database_url: str) -> int:
    """Transactions the benchmark database has committed so far (PostgreSQL's statistics)."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    text(
                        "SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database "
                        "WHERE datname = :name"
                    ),
                    {"name": make_url(database_url).database},
                )
                or 0
            )
    finally:
        engine.dispose()


async def sample_connections(database_url: str, stop: asyncio.Event, into: list[int]) -> None:
    """Count the database's connections every half second until ``stop``."""
    name = make_url(database_url).database
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        while not stop.is_set():
            with engine.connect() as connection:
                count = connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                )
            into.append(int(count or 0) - 1)  # not this sampler's own
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    finally:
        engine.dispose()


async def run_halls(
    site: Site,
    ports: list[int],
    changes: int,
    seed: int,
    starts_within: float,
    pings_to_first: bool,
) -> Outcome:
    loop = asyncio.get_running_loop()
    outcome = Outcome()
    rng = random.Random(seed)
    streams: list[tuple[Hall, EventStream]] = []
    stop_sampling, storm_done = asyncio.Event(), asyncio.Event()
    sampler = asyncio.ensure_future(
        sample_connections(site.installation.database_url, stop_sampling, outcome.connections)
    )
    first = site.halls[0]
    await warm_up(ports, first.lecture_id, first.phones)
    ping_requests = [
        http_request("POST", f"/api/v1/lectures/{hall.lecture_id}/ping", ports[0], who, b"{}")
        for hall in site.halls
        for who in hall.phones
    ]
    storm = asyncio.ensure_future(
        hammer(
            "pings during the storm",
            ports[:1] if pings_to_first else ports,
            ping_requests,
            connections=50,
            total=10**6,
            seconds=180,
            stop=storm_done,
            pause=0.1,
        )
    )
    try:
        gate = asyncio.Semaphore(100)

        async def connect(number: int, hall: Hall, who: Browser) -> None:
            async with gate:
                port = ports[number % len(ports)]
                request = http_request(
                    "GET", f"/api/v1/lectures/{hall.lecture_id}/events", port, who
                )
                _transport, stream = await asyncio.wait_for(
                    loop.create_connection(lambda: EventStream(request), HOST, port),
                    REQUEST_TIMEOUT,
                )
                streams.append((hall, stream))
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(stream.connected), 90)

        started = time.monotonic()
        everyone = [(hall, who) for hall in site.halls for who in hall.phones]
        await asyncio.gather(*(connect(n, hall, who) for n, (hall, who) in enumerate(everyone)))
        outcome.connect_seconds = time.monotonic() - started
        outcome.phones = len(everyone)
        storm_done.set()
        outcome.storm = await storm

        sent: dict[tuple[int, int], float] = {}  # (lecture, version) -> when its POST was sent
        starts: set[tuple[int, int]] = set()  # the versions the starts made

        async def present(hall: Hall, after: float) -> None:
            port = rng.choice(ports)
            connection = await Connection.open(port)
            await asyncio.sleep(after)  # the lecturers press start about together, not all at once
            path = f"/api/v1/lectures/{hall.lecture_id}"
            try:
                began = time.monotonic()
                status, body = await connection.request(
                    http_request("POST", f"{path}/start", port, hall.presenter)
                )
                if status != 200:
                    raise RuntimeError(f"start: HTTP {status} {body[:200]!r}")
                sent[(hall.lecture_id, json.loads(body)["version"])] = began
                starts.add((hall.lecture_id, json.loads(body)["version"]))
                outcome.start_post_ms.append((time.monotonic() - began) * 1000)
                step = 1
                for _ in range(changes):
                    await asyncio.sleep(rng.uniform(0.5, 1.0))
                    began = time.monotonic()
                    status, body = await connection.request(
                        http_request(
                            "POST", f"{path}/slide", port, hall.presenter, b'{"step":%d}' % step
                        )
                    )
                    outcome.presenter_ms.append((time.monotonic() - began) * 1000)
                    if status != 200:
                        raise RuntimeError(f"slide: HTTP {status} {body[:200]!r}")
                    state = json.loads(body)
                    sent[(hall.lecture_id, state["version"])] = began
                    if not 0 <= state["index"] + step < state["count"]:
                        step = -step
            finally:
                connection.close()

        commits_before = await asyncio.to_thread(commits, site.installation.database_url)
        live_from = time.monotonic()
        await asyncio.gather(*(present(hall, rng.uniform(0, starts_within)) for hall in site.halls))
        expected = changes + 2  # the initial state, the start, the changes
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            len(s.states) < expected and s.problem is None for _h, s in streams
        ):
            await asyncio.sleep(0.1)
        outcome.commits_per_second = (
            await asyncio.to_thread(commits, site.installation.database_url) - commits_before
        ) / (time.monotonic() - live_from)
    finally:
        storm_done.set()
        stop_sampling.set()
        for _hall, stream in streams:
            stream.close()
        with contextlib.suppress(Exception):
            await sampler

    for hall, stream in streams:
        if not stream.states:
            outcome.failed_streams += 1
            outcome.lost += changes + 1
            continue
        versions = [json.loads(data)["version"] for _at, data in stream.states[1:]]
        outcome.duplicated += len(versions) - len(set(versions))
        wanted = {v for (lecture, v) in sent if lecture == hall.lecture_id}
        outcome.lost += len(wanted - set(versions))
        for arrived, data in stream.states[1:]:
            began = sent.get((hall.lecture_id, json.loads(data)["version"]))
            if began is not None:
                outcome.latencies_ms.append((arrived - began) * 1000)
                if (hall.lecture_id, json.loads(data)["version"]) in starts:
                    outcome.start_ms.append((arrived - began) * 1000)
    return outcome


def target_line(label: str, value: float, target: float, unit: str) -> str:
    return verdict(label, value, target, unit, of="load")


def report(args: argparse.Namespace, outcome: Outcome, load: float) -> int:
    phones = outcome.phones
    print("Koshu load test: many lectures live at once on several app processes (PostgreSQL)")
    print(
        f"  site      {args.lectures} lectures x {args.phones} phones = {phones:,} phones; "
        f"{args.processes} app processes + 1 worker on {HOST}; LISTEN/NOTIFY between them"
    )
    print(
        f"  pool      {POOL_SIZE} + {MAX_OVERFLOW} overflow connections per process at most, "
        f"+1 LISTEN each"
    )
    print(f"  machine   {os.cpu_count()} CPUs, load average {load:.2f} at start")
    print(
        f"  connect   {phones:,} streams opened at once: all had their first state in "
        f"{outcome.connect_seconds:.1f} s; failed streams {outcome.failed_streams}"
    )
    storm = outcome.storm
    if storm is not None:
        print(
            f"  storm     {storm.completed} pings while the streams opened ({storm.per_second:.0f}/s, "
            f"{'to the first process' if args.pings_to_first else 'to every process in turn'}), "
            f"p50 {percentile(storm.latencies_ms, 50):.0f} ms, p99 "
            f"{percentile(storm.latencies_ms, 99):.0f} ms, failures {storm.failures}"
        )
    deliveries = len(outcome.latencies_ms)
    print(
        f"  slides    {deliveries:,} deliveries: p50 {percentile(outcome.latencies_ms, 50):.0f} ms, "
        f"p99 {percentile(outcome.latencies_ms, 99):.0f} ms (the {len(outcome.start_ms):,} of "
        f"the {args.lectures} starts: p50 {percentile(outcome.start_ms, 50):.0f} ms, p99 "
        f"{percentile(outcome.start_ms, 99):.0f} ms, their POSTs p50 "
        f"{percentile(outcome.start_post_ms, 50):.0f} ms); presenter's POST p50 "
        f"{percentile(outcome.presenter_ms, 50):.0f} ms"
    )
    peak = max(outcome.connections, default=0)
    mean = statistics.mean(outcome.connections) if outcome.connections else 0
    print(
        f"  database  connections: peak {peak}, mean {mean:.0f}; "
        f"{outcome.commits_per_second:.0f} commits/s while the lectures were live"
    )
    bound = args.processes * (POOL_SIZE + MAX_OVERFLOW + 1) + POOL_SIZE + MAX_OVERFLOW
    lines = [
        target_line(
            "slide change -> every phone, p99", percentile(outcome.latencies_ms, 99), 250, "ms"
        ),
        target_line("lost deliveries", outcome.lost, 0, ""),
        target_line("duplicated deliveries", outcome.duplicated, 0, ""),
        target_line(f"database connections (bound {bound})", peak, bound, ""),
    ]
    if storm is not None and storm.latencies_ms:
        lines.append(
            target_line(
                "pings during the connection storm, p99",
                percentile(storm.latencies_ms, 99),
                250,
                "ms",
            )
        )
    print("targets (issue 14)")
    for line in lines:
        print(line)
    return 0


async def measure(args: argparse.Namespace, site: Site, workdir: Path) -> Outcome:
    logs = [workdir / f"koshu-{n}.log" for n in range(args.processes)]
    with ExitStack() as servers:
        servers.enter_context(worker_process(site.installation, workdir / "worker.log"))
        ports = [
            servers.enter_context(
                uvicorn_server("app.main:create_app", site.installation.env(), log)
            )
            for log in logs
        ]
        try:
            return await asyncio.wait_for(
                run_halls(
                    site,
                    ports,
                    args.changes,
                    args.seed,
                    args.starts_within,
                    args.pings_to_first,
                ),
                timeout=args.max_seconds,
            )
        except BaseException:
            for log in [*logs, workdir / "worker.log"]:
                if text_ := tail(log):
                    print(f"--- {log.name} (last lines)\n{text_}", file=sys.stderr)
            raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.load_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", required=True, help="PostgreSQL; its name has 'bench'")
    parser.add_argument("--processes", type=int, default=4, help="app processes (default 4)")
    parser.add_argument("--lectures", type=int, default=20, help="lectures live at once (20)")
    parser.add_argument("--phones", type=int, default=250, help="phones per lecture (250)")
    parser.add_argument(
        "--changes",
        type=int,
        default=40,
        help="slide changes per lecture, one every 0.5-1 s (40: longer than the streams' "
        "check interval, so that the checks are measured too)",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=300, help="stop the run after this long (300)"
    )
    parser.add_argument(
        "--starts-within",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="the lecturers press start at random moments within this time (default 2; 0: "
        "all in the same instant)",
    )
    parser.add_argument(
        "--pings-to-first",
        action="store_true",
        help="send the storm's pings to the first process only (by default they go to every "
        "process in turn, as a load balancer's connections would)",
    )
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--workdir", type=Path, help="make the temporary data folder here")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if problem := bench_database_problem(args.database_url):
        parser.error(problem)
    if not args.database_url.startswith("postgresql"):
        parser.error("the load test needs PostgreSQL")
    if not 1 <= args.processes <= 8 or not 1 <= args.lectures <= 100:
        parser.error("--processes 1-8, --lectures 1-100")
    if not 1 <= args.lectures * args.phones <= 10_000 or not 1 <= args.changes <= 50:
        parser.error("at most 10,000 phones in all; --changes 1-50")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="koshu-load-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        started = time.monotonic()
        site = install(workdir, args.database_url, args.lectures, args.phones)
        print(f"(set up in {time.monotonic() - started:.0f} s)")
        outcome = run_clients(measure(args, site, workdir))
        return report(args, outcome, load)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
