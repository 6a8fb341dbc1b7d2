"""A slide change reaches every page even when its broadcast is lost, and only once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.lectures import live
from app.lectures.broadcast import Hub, InProcessBroadcaster
from tests.conftest import World


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Streams compare the lecture's version with the one shown at every check: often here."""
    return make_settings(stream_check_seconds=0.05)


def _next_state(lines: Iterator[str]) -> dict[str, Any]:
    """The next state the page is sent, within 40 checks (2 s)."""
    checks = 0
    for line in lines:
        if line.startswith("data:"):
            return json.loads(line[5:])  # type: ignore[no-any-return]
        checks += line == ": keep-alive"
        if checks > 40:
            raise AssertionError("no state within 40 checks")
    raise AssertionError("the event stream ended")


def test_a_lost_broadcast_still_reaches_the_page_and_a_repeated_one_is_shown_once(
    lecture: dict[str, Any], signed_in: Any, world: World, koshu_app: FastAPI
) -> None:
    lecturer, phone = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    with phone.stream("GET", f"{base}/events") as stream:
        lines = stream.iter_lines()
        first = _next_state(lines)
        heard = koshu_app.state.broadcaster
        koshu_app.state.broadcaster = InProcessBroadcaster(Hub())  # a hub nobody listens to
        try:
            lost = lecturer.post(f"{base}/slide", json={"step": 1}).json()
        finally:
            koshu_app.state.broadcaster = heard
        caught_up = _next_state(lines)
        assert (caught_up["index"], caught_up["version"]) == (lost["index"], first["version"] + 1)

        heard.hub.deliver(live.topic(lecture["id"]), first)  # late, and already superseded
        heard.hub.deliver(live.topic(lecture["id"]), caught_up)  # a second delivery
        moved = lecturer.post(f"{base}/slide", json={"step": 1}).json()
        assert _next_state(lines)["index"] == moved["index"]
