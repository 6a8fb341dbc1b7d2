"""Lecture state reaches every page: after commit only, and across app processes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.lectures.broadcast import Hub, InProcessBroadcaster
from tests.conftest import PASSWORD, TEST_DATABASE_URL, TEST_SECRET, World, upload


def _collect(hub: Hub, topic: str, action: Any) -> list[dict[str, Any]]:
    """Subscribe, run ``action`` in a thread (as a sync route would), return what arrived."""

    async def run() -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        async with hub.subscribe(topic) as queue:
            await asyncio.to_thread(action)
            try:
                while True:
                    received.append(await asyncio.wait_for(queue.get(), timeout=0.3))
            except TimeoutError:
                return received

    return asyncio.run(run())


def test_in_process_messages_are_delivered_on_commit_and_dropped_on_rollback(
    session_factory: sessionmaker[Session],
) -> None:
    broadcaster = InProcessBroadcaster(Hub())

    def commit_one_roll_back_one() -> None:
        with session_factory() as session:
            broadcaster.publish(session, "lecture:1", {"n": 1})
            session.commit()
            broadcaster.publish(session, "lecture:1", {"n": 2})
            session.rollback()
            broadcaster.publish(session, "lecture:1", {"n": 3})
            session.commit()

    received = _collect(broadcaster.hub, "lecture:1", commit_one_roll_back_one)
    assert received == [{"n": 1}, {"n": 3}]


def test_other_topics_are_not_delivered(session_factory: sessionmaker[Session]) -> None:
    broadcaster = InProcessBroadcaster(Hub())

    def publish_elsewhere() -> None:
        with session_factory() as session:
            broadcaster.publish(session, "lecture:2", {"n": 1})
            session.commit()

    assert _collect(broadcaster.hub, "lecture:1", publish_elsewhere) == []


# --- two processes on PostgreSQL --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(data_dir: Path) -> Iterator[str]:
    """One uvicorn process of the app against the test PostgreSQL database."""
    port = _free_port()
    env = {
        **os.environ,
        "KOSHU_DATABASE_URL": TEST_DATABASE_URL or "",
        "KOSHU_DATA_DIR": str(data_dir),
        "KOSHU_SECRET_KEY": TEST_SECRET,
        "KOSHU_ENVIRONMENT": "test",
        "KOSHU_RUN_WORKER": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the app process did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stderr is not None:
            process.stderr.close()


def _sign_in(client: httpx2.Client, path: str, fields: dict[str, str]) -> None:
    page = client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(path, data={**fields, "csrf_token": token.group(1)})
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = client.get("/api/v1/me").json()["csrf_token"]


@pytest.mark.slow
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (KOSHU_TEST_DATABASE_URL)")
def test_a_trainee_on_one_process_follows_a_presenter_on_another(
    client: TestClient, decks: Path, world: World, tmp_path: Path, signed_in: Any
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    client.post("/api/v1/courses/legal-protection/revisions/1/publish?confirm=true")
    start = datetime.now(UTC)
    lecture = (
        signed_in(world.staff_a)
        .post(
            "/api/v1/lectures",
            json={
                "lecturer_id": world.lecturer.id,
                "cohort_ids": [world.cohort_a.id],
                "scheduled_start": start.isoformat(),
                "scheduled_end": (start + timedelta(hours=2)).isoformat(),
            },
        )
        .json()
    )
    code, pin = world.pins[world.trainee_a.id]
    with (
        _server(tmp_path / "one") as one,
        _server(tmp_path / "two") as two,
        httpx2.Client(base_url=one, follow_redirects=False, timeout=10) as phone,
        httpx2.Client(base_url=two, follow_redirects=False, timeout=10) as laptop,
    ):
        _sign_in(phone, "/t/login", {"code": code, "pin": pin})
        _sign_in(laptop, "/login", {"email": world.lecturer.email or "", "password": PASSWORD})
        events = f"/api/v1/lectures/{lecture['id']}/events"
        with phone.stream("GET", events) as stream:
            lines = stream.iter_lines()
            first = _next_state(lines)
            assert first["status"] == "scheduled"
            assert laptop.post(f"/api/v1/lectures/{lecture['id']}/start").status_code == 200
            assert _next_state(lines)["status"] == "live"
            sent = time.monotonic()
            moved = laptop.post(f"/api/v1/lectures/{lecture['id']}/slide", json={"step": 1})
            assert moved.status_code == 200
            followed = _next_state(lines)
            assert (followed["module"], followed["position"]) == (
                moved.json()["module"],
                moved.json()["position"],
            )
            assert time.monotonic() - sent < 2.0


def _next_state(lines: Iterator[str]) -> dict[str, Any]:
    for line in lines:
        if line.startswith("data:"):
            return json.loads(line[5:])  # type: ignore[no-any-return]
    raise AssertionError("the event stream ended")
