"""Fixtures: a database built by the real migrations, an app, an HTTP client, deck files.

The suite runs on SQLite by default and on PostgreSQL when KOSHU_TEST_DATABASE_URL is set.
SQLite tests each get a copy of a freshly migrated file; PostgreSQL tests share one migrated
database whose tables are emptied after each test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401
from app import clock
from app.accounts import security
from app.accounts import service as accounts
from app.accounts.models import Cooperative, Employer, User
from app.accounts.tenancy import Principal
from app.cli import migrate_database
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort, Trainee
from app.cohorts.spreadsheet import TraineeRow
from app.config import Settings
from app.db import Base, make_engine, make_session_factory
from app.main import create_app
from tests import deckmaker

TEST_DATABASE_URL = os.environ.get("KOSHU_TEST_DATABASE_URL")
TEST_SECRET = "test-secret-" + "x" * 40


def _settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": TEST_SECRET,
        "data_dir": data_dir,
        "database_url": database_url,
        "run_worker": False,
        "tune_cycle_collector": False,  # a test process starts hundreds of apps
        "soffice_path": "/nonexistent/soffice",
        # Still argon2id, at a cost that keeps a few hundred logins quick.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once: a SQLite file to copy per test, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate_database(_settings(tmp_path_factory.mktemp("migrate"), TEST_DATABASE_URL))
        return TEST_DATABASE_URL
    folder = tmp_path_factory.mktemp("template")
    url = f"sqlite:///{folder / 'template.sqlite3'}"
    migrate_database(_settings(folder, url))
    return str(folder / "template.sqlite3")


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        # Empty every table and restart its ids. DELETE, children first, rather than
        # TRUNCATE: on a handful of rows TRUNCATE costs most of a second per test (it
        # replaces every table's files), DELETE some milliseconds.
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            connection.execute(
                text(
                    "SELECT setval(oid, 1, false) FROM pg_class"
                    " WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
                )
            )
        engine.dispose()
        return
    target = tmp_path / "koshu.sqlite3"
    shutil.copyfile(migrated_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return _settings(tmp_path / "data", database_url)


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    """Build settings for this test's database with some values changed."""

    def factory(**overrides: object) -> Settings:
        return _settings(tmp_path / "data", database_url, **overrides)

    return factory


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


PASSWORD = "correct-horse-battery"


@dataclass
class World:
    """Two cooperatives with a cohort, an employer, staff and a trainee each, plus an admin and
    a lecturer. Coop B's names carry a marker so a test can prove they never reach coop A."""

    admin: User
    lecturer: User
    coop_a: Cooperative
    coop_b: Cooperative
    staff_a: User
    staff_b: User
    employer_a: Employer
    employer_b: Employer
    cohort_a: Cohort
    cohort_b: Cohort
    trainee_a: Trainee
    trainee_b: Trainee
    pins: dict[int, tuple[str, str]]  # trainee id -> (login code, PIN)

    def staff(self, cooperative: Cooperative) -> User:
        return self.staff_a if cooperative.id == self.coop_a.id else self.staff_b


MARKER_B = "ZZCOOPB"


def _trainee_row(number: str, family: str, language: str = "vi") -> TraineeRow:
    return TraineeRow(
        row=2,
        family_name=family,
        given_name="VAN AN",
        name_katakana="グエン",
        nationality="VN",
        preferred_language=language,
        date_of_birth=date(2002, 4, 1),
        employer="",
        trainee_number=number,
    )


def more_trainees(
    session_factory: sessionmaker[Session], world: World, count: int, prefix: str = "A-0"
) -> None:
    """Add ``count`` trainees to cohort A, as its cooperative's staff would."""
    with session_factory() as session:
        cohort = session.get(Cohort, world.cohort_a.id)
        assert cohort is not None
        scoped = Principal(
            user_id=world.staff_a.id,
            role="staff",
            cooperative_id=cohort.cooperative_id,
            display_name="test",
        )
        for n in range(2, 2 + count):
            cohorts.add_trainee(
                session, scoped, cohort, _trainee_row(f"{prefix}{n:02d}", f"FAMILY{n}")
            )
        session.commit()


@pytest.fixture
def world(session_factory: sessionmaker[Session], settings: Settings) -> World:
    security.configure(
        time_cost=settings.argon2_time_cost, memory_cost_kib=settings.argon2_memory_kib
    )
    operator = Principal(user_id=None, role="admin", cooperative_id=None, display_name="test")
    with session_factory() as session:
        admin = accounts.create_user(
            session,
            None,
            role="admin",
            email="admin@example.org",
            display_name="Admin",
            password=PASSWORD,
        )
        lecturer = accounts.create_user(
            session,
            None,
            role="lecturer",
            email="lecturer@example.org",
            display_name="Lecturer",
            password=PASSWORD,
            qualification="attorney",
        )
        made = {}
        for key, name, licence in (("a", "Coop A", "A-1"), ("b", f"Coop B {MARKER_B}", "B-1")):
            coop = accounts.create_cooperative(session, operator, name=name, licence_number=licence)
            staff = accounts.create_user(
                session,
                None,
                role="staff",
                email=f"staff-{key}@example.org",
                display_name=f"Staff {key.upper()}",
                password=PASSWORD,
                cooperative_id=coop.id,
            )
            scoped = Principal(
                user_id=staff.id, role="staff", cooperative_id=coop.id, display_name="test"
            )
            suffix = MARKER_B if key == "b" else "A"
            employer = accounts.create_employer(
                session, scoped, cooperative_id=None, name=f"Employer {suffix}"
            )
            cohort = cohorts.create_cohort(
                session,
                scoped,
                name=f"Cohort {suffix}",
                training_start=date(2026, 12, 1),
                training_end=date(2026, 12, 28),
                work_start=date(2027, 1, 5),
                languages=["vi"],
            )
            trainee = cohorts.add_trainee(
                session, scoped, cohort, _trainee_row(f"{key.upper()}-001", f"FAMILY{suffix}")
            )
            ((_, code, pin),) = cohorts.issue_pins(session, scoped, cohort.id, [trainee.id])
            made[key] = (coop, staff, employer, cohort, trainee, code, pin)
        session.commit()
        a, b = made["a"], made["b"]
        world = World(
            admin=admin,
            lecturer=lecturer,
            coop_a=a[0],
            coop_b=b[0],
            staff_a=a[1],
            staff_b=b[1],
            employer_a=a[2],
            employer_b=b[2],
            cohort_a=a[3],
            cohort_b=b[3],
            trainee_a=a[4],
            trainee_b=b[4],
            pins={a[4].id: (a[5], a[6]), b[4].id: (b[5], b[6])},
        )
        session.expunge_all()
    return world


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form; later API writes carry the CSRF header like a page."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login page has a CSRF token"
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    if response.status_code == 303:
        client.headers["X-CSRF-Token"] = client.get("/api/v1/me").json()["csrf_token"]
    return response


def login_trainee(client: TestClient, code: str, pin: str) -> Any:
    page = client.get(f"/t/login?code={code}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/t/login",
        data={"code": code, "pin": pin, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    if response.status_code == 303:  # like the trainee's page, API writes carry the token
        client.headers["X-CSRF-Token"] = client.get("/api/v1/me").json()["csrf_token"]
    return response


@pytest.fixture
def koshu_app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    # Its clients' lifespans dispose of the engine, but a test may use it after they closed:
    # a pooled PostgreSQL connection left to the garbage collector warns in a later test.
    app.state.engine.dispose()


@pytest.fixture
def anonymous(koshu_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(koshu_app) as client:
        yield client


@pytest.fixture
def client(koshu_app: FastAPI, world: World) -> Iterator[TestClient]:
    """A browser signed in as the platform admin (who may do everything)."""
    with TestClient(koshu_app) as client:
        assert login(client, world.admin.email or "").status_code == 303
        yield client


@pytest.fixture
def open_client(world: World):  # type: ignore[no-untyped-def]
    """Open an app built from other settings, signed in as the admin: ``with open_client(s):``."""

    @contextmanager
    def open_for(settings: Settings, **client_options: Any) -> Iterator[TestClient]:
        app = create_app(settings)
        try:
            with TestClient(app, **client_options) as client:
                assert login(client, world.admin.email or "").status_code == 303
                yield client
        finally:
            app.state.engine.dispose()

    return open_for


@pytest.fixture
def signed_in(koshu_app: FastAPI, world: World):  # type: ignore[no-untyped-def]
    """Open a new browser signed in as the given user (trainees with their card)."""
    clients: list[TestClient] = []

    def open_as(user: User | Trainee) -> TestClient:
        client = TestClient(koshu_app)
        client.__enter__()
        clients.append(client)
        if isinstance(user, Trainee):
            code, pin = world.pins[user.id]
            assert login_trainee(client, code, pin).status_code == 303
        else:
            assert login(client, user.email or "").status_code == 303
        return client

    yield open_as
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def decks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small lecture: ja master, vi translation, and a revised ja master.

    Built once per session: tests only read these files (imports copy what they keep).
    """
    folder = tmp_path_factory.mktemp("decks")
    deckmaker.build(folder / "ja.pptx", deckmaker.lecture("ja"))
    deckmaker.build(folder / "vi.pptx", deckmaker.lecture("vi"))
    deckmaker.build(
        folder / "ja-revised.pptx", deckmaker.lecture("ja", changed={(1, 1): "入管法 1（改正）"})
    )
    return folder


def upload(
    client: TestClient,
    path: Path,
    language: str,
    course: str = "legal-protection",
    headers: dict[str, str] | None = None,
    **form: str,
) -> Any:
    """POST a deck to the import API the way an integration would."""
    with path.open("rb") as handle:
        return client.post(
            f"/api/v1/courses/{course}/decks",
            files={"file": (path.name, handle, "application/octet-stream")},
            data={"language": language, **form},
            headers=headers,
        )


def soffice_or_skip() -> str:
    """Return LibreOffice's path; skip without it, except in CI where it must be installed."""
    from app.decks.render import find_soffice

    found = find_soffice()
    if found is None:
        if os.environ.get("KOSHU_REQUIRE_SOFFICE"):
            pytest.fail("LibreOffice (soffice) is required here but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment an operator's shell would have for this test's installation."""
    return {
        **os.environ,
        "KOSHU_DATA_DIR": str(settings.data_dir),
        "KOSHU_DATABASE_URL": settings.resolved_database_url,
        "KOSHU_SOFFICE_PATH": "/nonexistent",
    }


def koshu(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the koshu command in a child process and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    """Every test starts and ends with the real clock (some move it forward)."""
    clock.reset()
    yield
    clock.reset()
