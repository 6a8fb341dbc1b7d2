"""Live lecture benchmark: slide changes reaching 1,000 phones over SSE, and trainee pings per second.

One uvicorn process (one worker, 127.0.0.1; or ``--processes N`` on ``--database-url``
PostgreSQL, phones spread over them) serves Koshu on a SQLite file holding the published
sample lecture, a cohort of 1,000 trainees and a lecture scheduled for it. 1,000 clients, each
signed in as a different trainee, open the lecture's server-sent events all at once (while 50
of them keep pinging: the connection storm at the start of every lecture), then the presenter
starts it and changes slides every 200-300 ms. A delivery's latency runs from just before the
presenter's POST is written to the moment the client reads the matching state message, so it
includes the POST's own handling (the broadcast goes out when that request's session commits).

Then keep-alive connections POST trainee pings to the live lecture, and the same client code
hits a bare FastAPI endpoint served by a second uvicorn process started the same way.

The clients are raw asyncio sockets in this process (no HTTP library), so that their own cost
stays small next to the server's; they share the machine's CPUs with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib.util
import json
import math
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import fastapi
import sqlalchemy
import uvicorn
from fastapi import FastAPI
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import security
from app.accounts import service as accounts
from app.accounts.dependencies import SESSION_COOKIE
from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.clock import JAPAN
from app.cohorts import service as cohorts
from app.cohorts.spreadsheet import TraineeRow
from app.config import Settings
from app.courses.definitions import CourseDefinition, load_definitions
from app.db import make_engine, make_session_factory, transaction, utcnow
from app.http import csrf
from app.lectures import scheduling as lectures
from tests.benchmarks import targets
from tests.benchmarks.import_bench import Databases, bench_database_problem

REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE = "legal-protection"
OPERATOR = Principal(
    user_id=None, role="admin", cooperative_id=None, display_name="benchmark set-up"
)
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # seconds for any one request of the benchmark's clients
SERVER_START_TIMEOUT = 30.0


# --- the installation -------------------------------------------------------------------


@dataclass(frozen=True)
class Browser:
    """A signed-in browser: the Cookie header it sends and its page's CSRF token."""

    login: str  # the trainee's login code, or the lecturer's email
    cookie: str
    csrf_token: str


@dataclass
class Installation:
    data_dir: Path
    database_url: str
    secret_key: str
    lecture_id: int
    presenter: Browser
    trainees: list[Browser]
    extra_env: dict[str, str] = field(default_factory=dict)  # more KOSHU_* settings

    def env(self) -> dict[str, str]:
        """The server's environment: the caller's, without any KOSHU_* setting but these."""
        base = {key: value for key, value in os.environ.items() if not key.startswith("KOSHU_")}
        return {
            **base,
            "KOSHU_ENVIRONMENT": "development",
            "KOSHU_DATA_DIR": str(self.data_dir),
            "KOSHU_DATABASE_URL": self.database_url,
            "KOSHU_SECRET_KEY": self.secret_key,
            "KOSHU_RUN_WORKER": "false",
            "KOSHU_SOFFICE_PATH": "/nonexistent",
            **self.extra_env,
        }


def browser(secret_key: str, login: str, session_token: str) -> Browser:
    """Sign a session token like set_session_cookie, and a CSRF token like app.http.csrf."""
    nonce = secrets.token_urlsafe(24)
    signed_session = URLSafeSerializer(secret_key, salt="session").dumps(session_token)
    token = URLSafeSerializer(secret_key, salt="csrf").dumps(nonce)
    return Browser(login, f"{SESSION_COOKIE}={signed_session}; {csrf.COOKIE}={nonce}", token)


def koshu_command(installation: Installation, *args: str) -> None:
    """Run ``koshu <args>`` as an operator would (stopping the benchmark when it fails)."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO_ROOT,
        env=installation.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"koshu {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def lecture_hall(
    session: Session,
    definition: CourseDefinition,
    *,
    secret_key: str,
    cooperative_id: int,
    lecturer_id: int,
    name: str,
    numbers: str,
    phones: int,
) -> tuple[int, list[Browser]]:
    """A cohort of ``phones`` trainees in their training period today, each signed in on a
    phone, and a lecture of theirs starting now: the lecture's id and the phones. Trainee
    numbers are ``numbers`` followed by 0001, 0002 and so on."""
    today = utcnow().astimezone(JAPAN).date()
    cohort = cohorts.create_cohort(
        session,
        OPERATOR,
        cooperative_id=cooperative_id,
        name=name,
        arrival_date=today - timedelta(days=1),
        training_start=today,
        training_end=today + timedelta(days=26),
        work_start=today + timedelta(days=36),
        languages=["vi"],
    )
    for number in range(1, phones + 1):
        row = TraineeRow(
            row=number + 1,
            family_name="NGUYEN",
            given_name=f"VAN {numbers}{number:03d}",
            name_katakana="グエン ヴァン",
            nationality="VN",
            preferred_language="vi",
            date_of_birth=date(2002, 4, 1),
            employer="株式会社 ベンチマーク精工",
            trainee_number=f"{numbers}{number:04d}",
        )
        cohorts.add_trainee(session, OPERATOR, cohort, row)
    cards = cohorts.issue_pins(session, OPERATOR, cohort.id)  # ends older sessions
    start = utcnow()
    lecture = lectures.schedule(
        session,
        OPERATOR,
        definition,
        lecturer_id=lecturer_id,
        cohort_ids=[cohort.id],
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
        acknowledge_warnings=True,  # a cohort made up for the benchmark
    )
    trainee_users = select(User).where(User.id.in_([t.user_id for t, _code, _pin in cards]))
    users = {user.id: user for user in session.scalars(trainee_users)}
    return lecture.id, [
        browser(secret_key, code, accounts.start_session(session, users[trainee.user_id]))
        for trainee, code, _pin in cards
    ]


def install(workdir: Path, trainees: int, database_url: str | None = None) -> Installation:
    """Migrate, load and publish the samples, then add the people and schedule the lecture.

    With ``database_url`` (PostgreSQL, a name containing "bench") that database is emptied
    and used instead of a SQLite file.
    """
    data_dir = workdir / "data"
    if database_url:
        databases = Databases.migrated(workdir, database_url)
        databases.fresh()
        databases.close()
    installation = Installation(
        data_dir=data_dir,
        database_url=database_url or f"sqlite:///{data_dir / 'koshu.sqlite3'}",
        secret_key=secrets.token_urlsafe(48),
        lecture_id=0,
        presenter=Browser("", "", ""),
        trainees=[],
    )
    if not database_url:
        koshu_command(installation, "migrate")
    koshu_command(installation, "load-samples")  # imports ja, en, vi; publishes revision 1
    settings = Settings(
        data_dir=data_dir,
        database_url=installation.database_url,
        secret_key=installation.secret_key,
        run_worker=False,
    )
    definition = load_definitions(settings.courses_dir)[COURSE]
    # 200 PINs at the production argon2 cost would take longer than the whole benchmark; the
    # server never checks them here (sessions are opened directly), so hash them cheaply.
    security.configure(time_cost=1, memory_cost_kib=1024)
    engine = make_engine(installation.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            cooperative = accounts.create_cooperative(
                session, OPERATOR, name="ベンチマーク技能実習協同組合", licence_number="BENCH-0001"
            )
            lecturer = accounts.create_user(
                session,
                OPERATOR,
                role="lecturer",
                email="lecturer@bench.example",
                display_name="ベンチ 講師",
                password=secrets.token_urlsafe(16),
                qualification="attorney",
            )
            installation.lecture_id, installation.trainees = lecture_hall(
                session,
                definition,
                secret_key=installation.secret_key,
                cooperative_id=cooperative.id,
                lecturer_id=lecturer.id,
                name="ベンチマーク 入国後講習",
                numbers="BENCH-",
                phones=trainees,
            )
            installation.presenter = browser(
                installation.secret_key,
                lecturer.email or "",
                accounts.start_session(session, lecturer),
            )
    finally:
        engine.dispose()
    return installation


def bare_app() -> FastAPI:
    """The baseline server: FastAPI with one sync endpoint, run in the thread pool like Koshu's."""
    app = FastAPI()

    # Unannotated on purpose: a return annotation would add a response-model validation,
    # run in the thread pool for a sync endpoint (Koshu's ``-> dict[str, Any]`` routes pay it).
    @app.post("/ping")
    def ping():  # type: ignore[no-untyped-def]
        return {"ok": True}

    return app


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def uvicorn_server(factory: str, env: dict[str, str], log: Path) -> Iterator[int]:
    """Run one uvicorn process on 127.0.0.1 and yield its port; it is stopped on any exit."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--timeout-graceful-shutdown",
        "3",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal reaches only this process
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:  # uvicorn listens only once the app's start-up has finished
            if process.poll() is not None:
                raise RuntimeError(f"{factory} exited at start-up:\n{tail(log)}")
            try:
                socket.create_connection((HOST, port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{factory} did not listen within {SERVER_START_TIMEOUT:.0f} s"
                    ) from None
                time.sleep(0.1)
        yield port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- a minimal HTTP/1.1 client ----------------------------------------------------------


def http_request(
    method: str, path: str, port: int, who: Browser | None = None, body: bytes | None = None
) -> bytes:
    """The bytes of one request, built once and sent as often as needed."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    if who is not None:
        lines.append(f"Cookie: {who.cookie}")
        if method != "GET":
            lines.append(f"X-CSRF-Token: {who.csrf_token}")
    if method == "GET" and path.endswith("/events"):
        lines.append("Accept: text/event-stream")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def _headers(head: bytes) -> tuple[int, dict[str, str]]:
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return int(status_line.split(" ", 2)[1]), headers


class Connection:
    """One keep-alive connection sending one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(HOST, port), REQUEST_TIMEOUT
        )
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            self.writer.write(raw)
            status, headers = _headers(await self.reader.readuntil(b"\r\n\r\n"))
            if "content-length" in headers:
                body = await self.reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                body = b""
                while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    body += (await self.reader.readexactly(size + 2))[:-2]
                await self.reader.readuntil(b"\r\n")
            else:
                body = b""
            return status, body

    def close(self) -> None:
        self.writer.close()


class EventStream(asyncio.Protocol):
    """A follower's SSE stream: stamps each state message with the monotonic time it arrived.

    A protocol rather than a stream reader: the time is taken in data_received, as soon as
    the event loop sees the bytes; parsing the JSON waits until the run is over.
    """

    def __init__(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.raw = bytearray()  # undecoded bytes (headers, then chunk framing)
        self.text = bytearray()  # the decoded event stream
        self.status: int | None = None
        self.states: list[tuple[float, bytes]] = []  # (arrival, JSON of one state event)
        self.connected = loop.create_future()  # resolved at the first (initial) state
        self.problem: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.raw += data
        if self.status is None:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            self.status, headers = _headers(bytes(self.raw[:end]))
            del self.raw[: end + 4]
            if self.status != 200 or headers.get("transfer-encoding") != "chunked":
                self._fail(f"HTTP {self.status} {headers.get('content-type', '')}")
                return
        while (line_end := self.raw.find(b"\r\n")) >= 0:
            size = int(self.raw[:line_end].split(b";")[0], 16)
            if size == 0:
                self._fail("the server ended the stream")
                return
            if len(self.raw) < line_end + 2 + size + 2:
                break
            self.text += self.raw[line_end + 2 : line_end + 2 + size]
            del self.raw[: line_end + 2 + size + 2]
        while (event_end := self.text.find(b"\n\n")) >= 0:
            event = bytes(self.text[:event_end])
            del self.text[: event_end + 2]
            lines = event.split(b"\n")
            if b"event: state" in lines:
                data = next(line[6:] for line in lines if line.startswith(b"data: "))
                self.states.append((now, data))
                if not self.connected.done():
                    self.connected.set_result(None)

    def _fail(self, problem: str) -> None:
        self.problem = self.problem or problem
        if not self.connected.done():
            self.connected.set_exception(RuntimeError(problem))
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(f"connection lost ({exc})" if exc else "connection closed")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


WARM_UP_PHONES = 3  # per process


async def warm_up(ports: list[int], lecture_id: int, phones: list[Browser]) -> None:
    """Before the storm, make each process what one that has run a while is: a few phones
    open the lecture's stream there, ping once and leave (a fresh process compiles its SQL
    and loads code on its first requests, which a lecture day's processes did long before)."""
    loop = asyncio.get_running_loop()
    path = f"/api/v1/lectures/{lecture_id}"
    for number, port in enumerate(ports):
        for who in phones[number * WARM_UP_PHONES : (number + 1) * WARM_UP_PHONES]:
            request = http_request("GET", f"{path}/events", port, who)
            _transport, stream = await loop.create_connection(
                functools.partial(EventStream, request), HOST, port
            )
            try:
                await asyncio.wait_for(asyncio.shield(stream.connected), REQUEST_TIMEOUT)
                connection = await Connection.open(port)
                try:
                    status, body = await connection.request(
                        http_request("POST", f"{path}/ping", port, who, b"{}")
                    )
                finally:
                    connection.close()
                if status != 200:
                    raise RuntimeError(f"warm-up ping: HTTP {status} {body[:200]!r}")
            finally:
                stream.close()


# --- the slide changes ------------------------------------------------------------------


@dataclass
class Change:
    sent: float  # monotonic, just before the POST was written
    answered: float  # monotonic, when its response had been read
    index: int  # the slide index the response (and so the broadcast) names


@dataclass
class LatencyResult:
    clients: int
    connect_seconds: float
    slide_count: int
    changes: list[Change]
    latencies_ms: list[float]  # one per delivered (slide change x client)
    missed: int
    strays: int  # state messages that matched no change
    spread_ms: list[float]  # per change: last delivery minus first
    failed_clients: list[str]
    storm_pings: LoadResult | None = None  # pings sent while the streams connected


def match(changes: list[Change], states: list[tuple[float, int | None]]) -> dict[int, float]:
    """Pair a client's messages (in arrival order) with the changes they announce.

    Each message goes to the earliest unmatched change after the last match that names its
    slide index and was sent before it arrived; a change no message took was missed (a slow
    page only keeps the newest state, see broadcast._put_all).
    """
    matched: dict[int, float] = {}
    cursor = 0
    for arrived, index in states:
        for position in range(cursor, len(changes)):
            change = changes[position]
            if change.index == index and change.sent <= arrived:
                matched[position] = arrived - change.sent
                cursor = position + 1
                break
    return matched


async def follow_and_present(
    installation: Installation, ports: list[int], changes: int, seed: int
) -> LatencyResult:
    """Connect every phone at once (spread over the processes' ports) while some of them
    ping, then present from the first process and time each slide change to every phone."""
    loop = asyncio.get_running_loop()
    port = ports[0]
    path = f"/api/v1/lectures/{installation.lecture_id}"
    streams: list[EventStream] = []
    presenter: Connection | None = None
    storm_done = asyncio.Event()
    ping_requests = [
        http_request("POST", f"{path}/ping", port, who, b"{}") for who in installation.trainees
    ]
    await warm_up(ports, installation.lecture_id, installation.trainees)
    # The connection storm: pings go on while the streams open, as phones that already
    # joined keep pinging (50 at a time, each every 0.1 s: far more often than 1,000 phones).
    storm = asyncio.ensure_future(
        hammer(
            "pings during the storm",
            port,
            ping_requests,
            connections=50,
            total=10**6,
            seconds=120,
            stop=storm_done,
            pause=0.1,
        )
    )
    try:
        started = time.monotonic()
        gate = asyncio.Semaphore(100)  # keep the listen backlogs from overflowing

        async def connect(number: int, who: Browser) -> EventStream:
            async with gate:
                target = ports[number % len(ports)]
                request = http_request("GET", f"{path}/events", target, who)
                _transport, stream = await asyncio.wait_for(
                    loop.create_connection(lambda: EventStream(request), HOST, target),
                    REQUEST_TIMEOUT,
                )
                streams.append(stream)
                await asyncio.wait_for(asyncio.shield(stream.connected), 60)
                return stream

        await asyncio.gather(*(connect(n, who) for n, who in enumerate(installation.trainees)))
        connect_seconds = time.monotonic() - started
        storm_done.set()
        storm_pings = await storm

        presenter = await Connection.open(port)
        start_request = http_request("POST", f"{path}/start", port, installation.presenter)
        sent = time.monotonic()
        status, body = await presenter.request(start_request)
        if status != 200:
            raise RuntimeError(f"starting the lecture: HTTP {status} {body[:300]!r}")
        state = json.loads(body)
        timeline = [Change(sent, time.monotonic(), state["index"])]
        index, count = state["index"], state["count"]
        if count < 2:
            raise RuntimeError("the sample lecture has fewer than two slides")
        rng = random.Random(seed)
        step = 1
        await asyncio.sleep(0.25)
        for _ in range(changes):
            # Sweep forward and back across the whole lecture: never past an end, and every
            # change moves the slide (with more slides than changes, each index is unique).
            if not 0 <= index + step < count:
                step = -step
            request = http_request(
                "POST", f"{path}/slide", port, installation.presenter, b'{"step":%d}' % step
            )
            sent = time.monotonic()
            status, body = await presenter.request(request)
            answered = time.monotonic()
            if status != 200:
                raise RuntimeError(f"changing the slide: HTTP {status} {body[:300]!r}")
            index = json.loads(body)["index"]
            timeline.append(Change(sent, answered, index))
            await asyncio.sleep(max(0.0, sent + rng.uniform(0.2, 0.3) - time.monotonic()))

        # Let the last deliveries arrive: everybody has every message, or 5 s have passed.
        expected = len(timeline) + 1  # + the initial state
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
            len(s.states) < expected and s.problem is None for s in streams
        ):
            await asyncio.sleep(0.05)
    finally:
        storm_done.set()
        if presenter is not None:
            presenter.close()
        for stream in streams:
            stream.close()

    slide_changes = timeline[1:]  # the start is not a slide change
    latencies: list[float] = []
    missed = strays = 0
    arrivals: dict[int, list[float]] = {n: [] for n in range(len(slide_changes))}
    for stream in streams:
        states = [(arrived, json.loads(data)["index"]) for arrived, data in stream.states[1:]]
        matched = match(timeline, states)
        strays += len(states) - len(matched)
        matched.pop(0, None)
        missed += len(slide_changes) - len(matched)
        for position, latency in matched.items():
            latencies.append(latency * 1000)
            arrivals[position - 1].append(latency * 1000)
    missed += len(slide_changes) * (len(installation.trainees) - len(streams))
    return LatencyResult(
        clients=len(streams),
        connect_seconds=connect_seconds,
        slide_count=count,
        changes=slide_changes,
        latencies_ms=latencies,
        missed=missed,
        strays=strays,
        spread_ms=[max(times) - min(times) for times in arrivals.values() if times],
        failed_clients=[
            s.problem for s in streams if s.problem and s.problem != "connection closed"
        ],
        storm_pings=storm_pings,
    )


# --- pings ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    label: str
    completed: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200) + sum(
            self.errors.values()
        )


async def hammer(
    label: str,
    port: int | list[int],
    requests: list[bytes],
    *,
    connections: int,
    total: int,
    seconds: float,
    stop: asyncio.Event | None = None,
    pause: float = 0.0,
) -> LoadResult:
    """Send up to ``total`` requests (cycling through ``requests``) over keep-alive connections,
    one at a time on each (``pause`` seconds apart), for at most ``seconds`` or until ``stop``;
    given several ports, the connections go to them in turn (as a load balancer's would)."""
    result = LoadResult(label, 0, 0.0, [])
    ports = [port] if isinstance(port, int) else port
    opened = await asyncio.gather(
        *(Connection.open(ports[number % len(ports)]) for number in range(connections))
    )
    issued = 0
    deadline = time.monotonic() + seconds

    async def worker(connection: Connection) -> None:
        nonlocal issued
        while issued < total and time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                return
            if pause:
                await asyncio.sleep(pause)
            raw = requests[issued % len(requests)]
            issued += 1
            began = time.monotonic()
            try:
                status, _body = await connection.request(raw)
            except TimeoutError:
                result.errors[f"no answer within {REQUEST_TIMEOUT:.0f} s"] += 1
                return  # the connection's state is unknown; this worker stops
            except (OSError, asyncio.IncompleteReadError) as exc:
                result.errors[type(exc).__name__] += 1
                return  # the connection's state is unknown; this worker stops
            result.latencies_ms.append((time.monotonic() - began) * 1000)
            result.statuses[status] += 1
            result.completed += 1

    started = time.monotonic()
    try:
        await asyncio.gather(*(worker(connection) for connection in opened))
    finally:
        result.seconds = time.monotonic() - started
        for connection in opened:
            connection.close()
    return result


async def ping_load(
    installation: Installation,
    koshu_port: int,
    bare_port: int,
    *,
    levels: list[int],
    total: int,
    seconds: float,
) -> list[tuple[int, LoadResult, LoadResult]]:
    """Bare and Koshu pings at each number of connections, fewest first (a stalled server
    stays stalled for a while, so a higher level cannot spoil a lower one)."""
    body = b"{}"
    path = f"/api/v1/lectures/{installation.lecture_id}/ping"
    koshu_requests = [
        http_request("POST", path, koshu_port, who, body) for who in installation.trainees
    ]
    # The bare endpoint gets the same headers (cookies and all), so only the server differs.
    bare_requests = [
        http_request("POST", "/ping", bare_port, who, body) for who in installation.trainees
    ]
    # Warm-up: the first requests import modules, compile SQL and fill the pools.
    warm = min(levels)
    await hammer("warm-up", bare_port, bare_requests, connections=warm, total=300, seconds=5)
    await hammer("warm-up", koshu_port, koshu_requests, connections=warm, total=300, seconds=5)
    results = []
    for connections in sorted(set(levels)):
        options = {"connections": connections, "total": total, "seconds": seconds}
        bare = await hammer("bare FastAPI POST /ping", bare_port, bare_requests, **options)
        koshu = await hammer("Koshu POST .../ping", koshu_port, koshu_requests, **options)
        results.append((connections, bare, koshu))
    return results


async def check_sign_in(installation: Installation, port: int) -> None:
    """Check that the forged cookies work and the CSRF token is the one /api/v1/me gives."""
    for who, role in ((installation.presenter, "lecturer"), (installation.trainees[0], "trainee")):
        connection = await Connection.open(port)
        try:
            status, body = await connection.request(http_request("GET", "/api/v1/me", port, who))
        finally:
            connection.close()
        me = json.loads(body) if status == 200 else {}
        if me.get("role") != role or me.get("csrf_token") != who.csrf_token:
            raise RuntimeError(f"signing in {who.login} did not work: HTTP {status} {body[:300]!r}")


# --- reporting --------------------------------------------------------------------------


_T = TypeVar("_T")


def run_clients(main: Coroutine[Any, Any, _T]) -> _T:
    """Run the benchmark's clients on uvloop when it is installed, as uvicorn runs the server:
    the clients share the CPUs with the servers, and the plain loop costs them more."""
    if importlib.util.find_spec("uvloop") is None:
        return asyncio.run(main)
    import uvloop

    return uvloop.run(main)


def server_stack() -> str:
    """What uvicorn's "auto" choices pick here: httptools or h11, uvloop or asyncio."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http}, {loop} loop"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def row(label: str, values: list[float]) -> str:
    figures = [percentile(values, p) for p in (50, 95, 99)] + [max(values, default=math.nan)]
    return f"{label:<44}" + "".join(f"{figure:>9.1f}" for figure in figures)


def print_report(
    args: argparse.Namespace,
    installation: Installation,
    latency: LatencyResult,
    pings: list[tuple[int, LoadResult, LoadResult]],
    *,
    load: float,
) -> None:
    pairs = len(latency.changes) * len(installation.trainees)
    print("Koshu live lecture benchmark")
    print(
        f"  lecture   sample deck, revision 1: {latency.slide_count} slides; "
        f"{len(installation.trainees)} trainees in one cohort"
    )
    database = "PostgreSQL, LISTEN/NOTIFY" if args.database_url else "SQLite (WAL)"
    print(
        f"  server    uvicorn {uvicorn.__version__}, {args.processes} process(es) "
        f"({server_stack()}) on {HOST}; {database}"
    )
    print(
        f"  clients   raw asyncio sockets in this process; {latency.clients} SSE streams "
        f"connected (initial state read) in {latency.connect_seconds:.2f} s"
    )
    print(
        f"  machine   {os.cpu_count()} CPUs, load average {load:.2f} at start; Python "
        f"{platform.python_version()}, FastAPI {fastapi.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )
    print()
    intervals = [
        b.sent - a.sent for a, b in zip(latency.changes, latency.changes[1:], strict=False)
    ]
    print(
        f"slide change -> phone: {len(latency.changes)} changes, one every "
        f"{statistics.mean(intervals) * 1000:.0f} ms on average, x {len(installation.trainees)} "
        "SSE clients"
    )
    header = f"{'':<44}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    print(header)
    print("-" * len(header))
    print(row("delivery (POST sent -> state message read)", latency.latencies_ms))
    print(
        row(
            "  presenter's POST /slide response",
            [(c.answered - c.sent) * 1000 for c in latency.changes],
        )
    )
    print(row("  fan-out spread (first -> last client)", latency.spread_ms))
    print(
        f"deliveries: {len(latency.latencies_ms)} of {pairs}; missed {latency.missed}; "
        f"unmatched messages {latency.strays}"
        + (f"; failed streams: {Counter(latency.failed_clients)}" if latency.failed_clients else "")
    )
    if latency.storm_pings is not None:
        storm = latency.storm_pings
        print(
            f"pings while the {len(installation.trainees)} streams connected: {storm.completed} "
            f"in {storm.seconds:.1f} s ({storm.per_second:.0f}/s), failures {storm.failures}"
        )
        print(row("  ping answered (during the storm)", storm.latencies_ms))
    print()
    print(
        f"pings: keep-alive connections, one request at a time each, up to "
        f"{args.ping_requests} requests or {args.ping_seconds:.0f} s per endpoint and level "
        f"(after 300 warm-up); Koshu's as {len(installation.trainees)} trainees in turn"
    )
    header = (
        f"{'conns':>5}  {'endpoint':<26}{'requests':>9}{'req/s':>8}{'x bare':>8}"
        f"{'p50 ms':>8}{'p99 ms':>9}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))
    for connections, bare, koshu in pings:
        for result in (bare, koshu):
            ratio = result.per_second / bare.per_second if bare.per_second else math.nan
            print(
                f"{connections:>5}  {result.label:<26}{result.completed:>9}"
                f"{result.per_second:>8.0f}{ratio:>7.2f}x"
                f"{percentile(result.latencies_ms, 50):>8.1f}"
                f"{percentile(result.latencies_ms, 99):>9.1f}{result.failures:>8}"
            )
            if result.failures:
                detail = {f"HTTP {s}": n for s, n in result.statuses.items() if s != 200}
                print(f"{'':>7}failures: {detail | dict(result.errors)}")
    print()
    print(
        "Latency is measured from just before the presenter's POST is written until a client\n"
        "reads the state message; the broadcast leaves at the request session's commit, just\n"
        "before the response is sent. Clients and server share the CPUs."
    )


# --- entry point ------------------------------------------------------------------------


def levels(text: str) -> list[int]:
    try:
        numbers = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("give numbers separated by commas, e.g. 20,50") from None
    if not all(1 <= n <= 500 for n in numbers):
        raise argparse.ArgumentTypeError("each number must be between 1 and 500")
    return numbers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks --only lecture",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # python -m tests.benchmarks hands the import benchmark the rest
    )
    parser.add_argument("--trainees", type=int, default=1000, help="SSE clients (default 1000)")
    parser.add_argument("--changes", type=int, default=20, help="slide changes (default 20)")
    parser.add_argument(
        "--ping-connections",
        type=levels,
        default=[20, 50],
        metavar="N[,N...]",
        help="concurrent ping connections, one run per number (default 20,50)",
    )
    parser.add_argument("--ping-requests", type=int, default=5000, help="per endpoint (5000)")
    parser.add_argument(
        "--ping-seconds", type=float, default=20.0, help="at most, per endpoint (default 20)"
    )
    parser.add_argument("--seed", type=int, default=20240401, help="for the slide intervals")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL (the database name must contain 'bench'; emptied first) instead of "
        "a SQLite file; slide changes then travel by LISTEN/NOTIFY",
    )
    parser.add_argument(
        "--stream-check-seconds",
        type=float,
        help="the server's stream_check_seconds (default: the app's, 15)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="app processes; phones are spread over them, the presenter uses the first "
        "(more than 1 needs --database-url)",
    )
    parser.add_argument("--workdir", type=Path, help="make the temporary data folder here")
    return parser


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 1 <= args.trainees <= 1000:
        parser.error("--trainees must be between 1 and 1000")
    if not 1 <= args.changes <= 200:
        parser.error("--changes must be between 1 and 200")
    if args.ping_requests < 1 or not 0 < args.ping_seconds <= 60:
        parser.error("--ping-* must be positive (and --ping-seconds at most 60)")
    if not 1 <= args.processes <= 8:
        parser.error("--processes must be between 1 and 8")
    if args.processes > 1 and not args.database_url:
        parser.error("--processes above 1 needs --database-url (PostgreSQL)")
    if args.database_url and (problem := bench_database_problem(args.database_url)):
        parser.error(problem)


async def measure(
    args: argparse.Namespace, installation: Installation, workdir: Path
) -> tuple[LatencyResult, list[tuple[int, LoadResult, LoadResult]]]:
    logs = [workdir / f"koshu-{n}.log" for n in range(args.processes)] + [workdir / "bare.log"]
    with ExitStack() as servers:
        ports = [
            servers.enter_context(uvicorn_server("app.main:create_app", installation.env(), log))
            for log in logs[:-1]
        ]
        bare_port = servers.enter_context(
            uvicorn_server("tests.benchmarks.lecture_bench:bare_app", installation.env(), logs[-1])
        )
        try:
            await check_sign_in(installation, ports[0])
            latency = await follow_and_present(installation, ports, args.changes, args.seed)
            pings = await ping_load(
                installation,
                ports[0],
                bare_port,
                levels=args.ping_connections,
                total=args.ping_requests,
                seconds=args.ping_seconds,
            )
        except BaseException:
            for log in logs:
                if text := tail(log):
                    print(f"--- {log.name} (last lines)\n{text}", file=sys.stderr)
            raise
    return latency, pings


def verdict(
    label: str,
    value: float,
    target: float,
    unit: str,
    *,
    at_least: bool = False,
    of: str = "lecture",
) -> str:
    """One line of the summary: the figure, its target, and PASS or OVER (kept for the list
    at the end of a run of every benchmark)."""
    passed = value >= target if at_least else value <= target
    sign = ">=" if at_least else "<="
    return targets.kept(
        of,
        f"  {label:<52}{value:>9.2f} {unit:<5} target {sign} {target:g} {unit:<5}"
        f"{'PASS' if passed else 'OVER'}",
    )


def print_verdicts(latency: LatencyResult, pings: list[tuple[int, LoadResult, LoadResult]]) -> int:
    """The issue's targets, each with PASS or OVER; returns how many were missed."""
    lines = [
        verdict(
            "slide change -> every phone, p50", percentile(latency.latencies_ms, 50), 250, "ms"
        ),
        verdict(
            "slide change -> every phone, p99", percentile(latency.latencies_ms, 99), 250, "ms"
        ),
    ]
    if latency.storm_pings is not None and latency.storm_pings.latencies_ms:
        storm = latency.storm_pings.latencies_ms
        lines.append(
            verdict("pings during the connection storm, p50", percentile(storm, 50), 250, "ms")
        )
        lines.append(
            verdict("pings during the connection storm, p99", percentile(storm, 99), 250, "ms")
        )
    for connections, bare, koshu in pings:
        ratio = koshu.per_second / bare.per_second if bare.per_second else math.nan
        lines.append(
            verdict(
                f"pings/s vs bare FastAPI ({connections} conns; goal 0.7)",
                ratio,
                0.5,
                "x",
                at_least=True,
            )
        )
    lines.append(verdict("deliveries missed", latency.missed, 0, ""))
    print("targets (issue 14)")
    for line in lines:
        print(line)
    return sum(line.endswith("OVER") for line in lines)


def run(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="koshu-lecture-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        installation = install(workdir, args.trainees, args.database_url)
        if args.stream_check_seconds:
            installation.extra_env["KOSHU_STREAM_CHECK_SECONDS"] = str(args.stream_check_seconds)
        latency, pings = run_clients(measure(args, installation, workdir))
        print_report(args, installation, latency, pings, load=load)
        print()
        print_verdicts(latency, pings)
    return 0


def split_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """This benchmark's options, and the rest (for the import benchmark when both run).

    --database-url stays in the rest too: every benchmark then runs on that database.
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    check(parser, args)
    if args.database_url:
        rest += ["--database-url", args.database_url]
    return args, rest


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check(parser, args)
    return run(args)


if __name__ == "__main__":  # also runnable on its own
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
