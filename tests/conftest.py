"""Fixtures: a database built by the real migrations, an app, an HTTP client, deck files.

The suite runs on SQLite by default and on PostgreSQL when KOSHU_TEST_DATABASE_URL is set.
SQLite tests each get a copy of a freshly migrated file; PostgreSQL tests share one migrated
database whose tables are emptied after each test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401
from app.cli import migrate_database
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
        "soffice_path": "/nonexistent/soffice",
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
        engine = make_engine(TEST_DATABASE_URL)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
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


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    """A folder with a small lecture: ja master, vi translation, and a revised ja master."""
    folder = tmp_path / "decks"
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
