"""Pings are kept in memory and written together: when, and what survives a shutdown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.config import Settings
from app.courses.definitions import PresenceRules
from app.db import transaction, utcnow
from app.lectures import pings
from app.lectures.models import PresenceInterval
from app.lectures.presence import Heard, PingSignal, apply_pings
from tests.conftest import World, login_trainee


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """No flush on its own during a test: only the ones the test asks for, or a shutdown."""
    return make_settings(presence_flush_seconds=30)


def stored(session_factory: sessionmaker[Session], lecture_id: int) -> list[PresenceInterval]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(PresenceInterval)
                .where(PresenceInterval.lecture_id == lecture_id)
                .order_by(PresenceInterval.id)
            )
        )


def test_pings_wait_in_memory_until_the_flush_and_a_clean_shutdown_writes_them(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    koshu_app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    base = f"/api/v1/lectures/{lecture['id']}"
    assert signed_in(world.lecturer).post(f"{base}/start").status_code == 200
    with TestClient(koshu_app) as phone:
        code, pin = world.pins[world.trainee_a.id]
        assert login_trainee(phone, code, pin).status_code == 303
        assert phone.post(f"{base}/ping", json={"device": "p1"}).status_code == 200
        assert stored(session_factory, lecture["id"]) == []  # not yet written
        assert phone.post(f"{base}/ping", json={"device": "p1"}).status_code == 200
    # The phone's app stopped (its lifespan ended): what it heard is written, as one interval.
    (interval,) = stored(session_factory, lecture["id"])
    assert (interval.device, interval.closed) == ("p1", False)


def test_a_late_write_never_moves_presence_back_nor_revives_an_ended_lecture(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    koshu_app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    lecturer, phone = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    assert phone.post(f"{base}/ping", json={}).status_code == 200
    pings.flush(session_factory)
    (written,) = stored(session_factory, lecture["id"])
    # Another process writes a ping it heard just before this one: it changes nothing.
    earlier = Heard(
        lecture["id"],
        world.trainee_a.id,
        written.last_seen_at - timedelta(seconds=5),
        PingSignal(),
        PresenceRules(),
    )
    with transaction(session_factory) as session:
        apply_pings(session, [earlier])
    (after,) = stored(session_factory, lecture["id"])
    assert after.last_seen_at == written.last_seen_at

    assert lecturer.post(f"{base}/end").status_code == 200
    assert phone.post(f"{base}/ping", json={}).status_code == 409
    late = Heard(lecture["id"], world.trainee_a.id, utcnow(), PingSignal(), PresenceRules())
    with transaction(session_factory) as session:
        apply_pings(session, [late])  # held by another process while the lecture ended
    assert len(stored(session_factory, lecture["id"])) == 1


def test_an_interval_written_before_is_extended_and_closed_by_the_pings_of_one_flush(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    lecturer, phone = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    assert phone.post(f"{base}/ping", json={"device": "p1"}).status_code == 200
    pings.flush(session_factory)  # the interval is in the database now
    for _ in range(4):  # then, in one flush: two more minutes, a quiet spell, a return
        clock.advance(30)
        assert phone.post(f"{base}/ping", json={"device": "p1"}).status_code == 200
    clock.advance(180)
    assert phone.post(f"{base}/ping", json={"device": "p1"}).status_code == 200
    pings.flush(session_factory)
    first, second = stored(session_factory, lecture["id"])
    assert (round((first.last_seen_at - first.started_at).total_seconds()), first.closed) == (
        120,
        True,
    )
    assert round((second.started_at - first.last_seen_at).total_seconds()) == 180


def test_a_trusted_page_still_needs_its_csrf_token_and_trust_begins_with_the_stream(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    lecturer, phone = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    with phone.stream("GET", f"{base}/events") as stream:  # the page opens the lecture
        assert stream.status_code == 200
    assert phone.post(f"{base}/ping", json={}).status_code == 200
    token = phone.headers.pop("X-CSRF-Token")
    assert phone.post(f"{base}/ping", json={}).status_code == 403
    phone.headers["X-CSRF-Token"] = "forged"
    assert phone.post(f"{base}/ping", json={}).status_code == 403
    phone.headers["X-CSRF-Token"] = token
    pings.flush(session_factory)
    assert len(stored(session_factory, lecture["id"])) == 1
