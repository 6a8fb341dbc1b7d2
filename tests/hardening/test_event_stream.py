"""An open event stream ends with its login session (a PIN reset, a logout elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from tests.conftest import World

KEEP_ALIVE = ": keep-alive"


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Streams check their session at every keep-alive; here those come often."""
    return make_settings(stream_check_seconds=0.05)


def _until(lines: Iterator[str], wanted: Callable[[str], bool]) -> str:
    for line in lines:
        if wanted(line):
            return line
    raise AssertionError("the event stream ended")


def _ends_within_keep_alives(lines: Iterator[str], allowed: int) -> bool:
    """True when the stream ends before more than ``allowed`` keep-alives came."""
    seen = 0
    for line in lines:
        seen += line == KEEP_ALIVE
        if seen > allowed:
            return False
    return True


def _follow(client: TestClient, lecture: dict[str, Any], after_opening: Callable[[], None]) -> bool:
    with client.stream("GET", f"/api/v1/lectures/{lecture['id']}/events") as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        _until(lines, lambda line: line.startswith("data:"))
        _until(lines, lambda line: line == KEEP_ALIVE)  # checked, and still signed in
        after_opening()
        # One check may have passed just before the session ended; the next one ends the stream.
        return _ends_within_keep_alives(lines, allowed=2)


def test_a_trainee_s_stream_ends_when_their_pin_is_reset(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    trainee, staff = signed_in(world.trainee_a), signed_in(world.staff_a)

    def reset_pin() -> None:
        assert staff.post(f"/api/v1/trainees/{world.trainee_a.id}/pin").status_code == 200

    assert _follow(trainee, lecture, reset_pin), "the stream went on after the PIN reset"
    assert trainee.get(f"/api/v1/lectures/{lecture['id']}/events").status_code == 401


def test_a_lecturer_s_stream_ends_when_they_log_out_elsewhere(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    laptop = signed_in(world.lecturer)
    # The same browser session in a second window (its cookie), logging out there.
    other_window = signed_in(world.lecturer)
    other_window.cookies.clear()
    other_window.cookies.update(laptop.cookies)
    token = other_window.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]

    def log_out() -> None:
        response = other_window.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303

    assert _follow(laptop, lecture, log_out), "the stream went on after logging out"


def test_a_stream_with_a_valid_session_goes_on(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    trainee = signed_in(world.trainee_a)
    assert not _follow(trainee, lecture, lambda: None), "keep-alives go on while signed in"
