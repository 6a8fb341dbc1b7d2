"""Uploads are refused before their body is read when the caller may not upload.

The body is handed to the app chunk by chunk, as a slow client would send it, counting how
many chunks the app asked for: a refused caller's upload must not be read at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message

from app.accounts.dependencies import SESSION_COOKIE
from app.http.gate import CheckedBeforeBody, takes_file
from tests.conftest import World
from tests.system.test_isolation import issue_token

BOUNDARY = "koshu-upload-gate"
CHUNKS = 200
CHUNK = b"x" * 64 * 1024  # 12.5 MB in all


class SlowUpload:
    """A multipart upload of one file, sent in CHUNKS chunks; counts the chunks received."""

    def __init__(self) -> None:
        self.parts = [
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.pptx"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode(),
            *([CHUNK] * CHUNKS),
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
        self.received = 0

    async def receive(self) -> Message:
        if self.received < len(self.parts):
            body = self.parts[self.received]
            self.received += 1
            return {
                "type": "http.request",
                "body": body,
                "more_body": self.received < len(self.parts),
            }
        await asyncio.sleep(3600)  # the client waits for the answer
        raise AssertionError("unreachable")

    @property
    def read_all(self) -> bool:
        return self.received == len(self.parts)


def post_upload(app: FastAPI, path: str, headers: dict[str, str]) -> tuple[int, SlowUpload]:
    """POST the slow upload straight to the ASGI app; return the status and the body's count."""
    upload = SlowUpload()
    started: list[Message] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    all_headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, upload.receive, send))
    return started[0]["status"], upload


def browser_headers(client: TestClient) -> dict[str, str]:
    """What a signed-in browser sends: its cookies and the page's CSRF token."""
    assert SESSION_COOKIE in client.cookies
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return {"cookie": cookies, "x-csrf-token": client.headers["X-CSRF-Token"]}


@pytest.fixture
def callers(
    world: World, signed_in: Any, session_factory: sessionmaker[Session]
) -> dict[str, dict[str, str]]:
    _, secret = issue_token(session_factory, world, "a", "uploads")
    browsers = {
        "admin": world.admin,
        "staff A": world.staff_a,
        "staff B": world.staff_b,
        "lecturer": world.lecturer,
        "trainee A": world.trainee_a,
    }
    headers = {role: browser_headers(signed_in(user)) for role, user in browsers.items()}
    return {**headers, "API token A": {"authorization": f"Bearer {secret}"}, "nobody": {}}


REFUSED: list[tuple[str, str, Callable[[World], str]]] = [
    ("nobody", "/api/v1/courses/legal-protection/decks", lambda w: ""),
    ("trainee A", "/api/v1/courses/legal-protection/decks", lambda w: ""),
    ("staff A", "/api/v1/courses/legal-protection/decks", lambda w: ""),
    ("API token A", "/api/v1/courses/legal-protection/decks", lambda w: ""),
    ("nobody", "/api/v1/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
    ("trainee A", "/api/v1/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
    ("lecturer", "/api/v1/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
    ("staff B", "/api/v1/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
    ("nobody", "/courses/legal-protection/decks", lambda w: ""),
    ("staff A", "/courses/legal-protection/decks", lambda w: ""),
    ("trainee A", "/courses/legal-protection/decks", lambda w: ""),
    ("lecturer", "/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
    ("trainee A", "/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
    ("staff B", "/cohorts/{}/import", lambda w: str(w.cohort_a.id)),
]


def test_a_refused_caller_s_upload_is_not_read(
    koshu_app: FastAPI, world: World, callers: dict[str, dict[str, str]]
) -> None:
    read = []
    for role, path, fill in REFUSED:
        url = path.format(fill(world))
        status, upload = post_upload(koshu_app, url, callers[role])
        assert status in (303, 401, 403, 404), f"{role}: POST {url} -> {status}"
        if upload.received:
            read.append(f"{role}: POST {url} -> {status} after {upload.received} chunks")
    assert not read, "read before refusing:\n" + "\n".join(read)


def test_an_allowed_caller_s_upload_is_read(
    koshu_app: FastAPI, world: World, callers: dict[str, dict[str, str]]
) -> None:
    """The counter counts: an admin's deck is read whole (then refused: it names no language),
    a staff member's spreadsheet until it is too large for one."""
    deck = "/api/v1/courses/legal-protection/decks"
    status, upload = post_upload(koshu_app, deck, callers["admin"])
    assert status == 422 and upload.read_all
    status, upload = post_upload(
        koshu_app, f"/api/v1/cohorts/{world.cohort_a.id}/import", callers["staff A"]
    )
    assert status == 413 and upload.received > 1


def test_every_route_that_takes_a_file_checks_its_caller_first(koshu_app: FastAPI) -> None:
    routes = [r for r in iter_route_contexts(koshu_app.routes) if getattr(r, "dependant", None)]
    uploads = [r for r in routes if takes_file(r.dependant)]
    assert len(uploads) >= 4
    unchecked = [r.path for r in uploads if not isinstance(r.original_route, CheckedBeforeBody)]
    assert not unchecked, (
        f"build these routes' routers with route_class=CheckedBeforeBody: {unchecked}"
    )
