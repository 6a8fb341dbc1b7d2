"""An import is all or nothing, even when it fails half-way or its process is killed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import service
from app.courses.models import DeckImport, Module, Revision, Slide
from app.files.models import Blob
from tests.conftest import cli_env, koshu, upload


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Revision, Module, Slide, DeckImport, Blob)
    }


def test_a_failure_half_way_leaves_no_rows(
    settings: Settings,
    session: Session,
    decks: Path,
    monkeypatch: pytest.MonkeyPatch,
    open_client: Any,
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "set_language_status", explode)
    with open_client(settings, raise_server_exceptions=False) as client:
        response = upload(client, decks / "ja.pptx", "ja", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert "Nothing was saved" in response.json()["error"]["message"]
    assert _counts(session) == {
        "revisions": 0,
        "modules": 0,
        "slides": 0,
        "deck_imports": 0,
        "blobs": 0,
    }


@pytest.mark.slow
def test_a_killed_import_leaves_nothing_a_later_import_trips_over(
    settings: Settings, session: Session, decks: Path
) -> None:
    # Pause the import once every row and file is written but before the commit, then kill
    # it. (The files are written on a thread: pausing before that thread is done would leave
    # a half-written file, which is another case.)
    script = textwrap.dedent("""
        import sys, time
        from app.files.service import FileWriter
        original = FileWriter.__exit__
        def pause(self, *exc):
            original(self, *exc)
            print("WRITTEN", flush=True)
            time.sleep(120)
        FileWriter.__exit__ = pause
        from app.cli import main
        sys.argv = ["koshu", *sys.argv[1:]]
        main()
    """)
    command = [
        sys.executable,
        "-c",
        script,
        "import",
        str(decks / "ja.pptx"),
        "--course",
        "legal-protection",
        "--language",
        "ja",
    ]
    with subprocess.Popen(
        command, env=cli_env(settings), stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "WRITTEN"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
    session.expire_all()
    assert _counts(session) == {
        "revisions": 0,
        "modules": 0,
        "slides": 0,
        "deck_imports": 0,
        "blobs": 0,
    }
    orphans = koshu(settings, "gc-files", "--dry-run", "--grace-seconds", "0")
    assert "0 unreferenced" not in orphans.stdout  # the killed run left files without rows
    again = koshu(
        settings,
        "import",
        str(decks / "ja.pptx"),
        "--course",
        "legal-protection",
        "--language",
        "ja",
        "--json",
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["revision"] == 1
    assert koshu(settings, "gc-files", "--grace-seconds", "0").stdout.startswith("0 unreferenced")
