"""Pings are kept in memory and written together: when, and what survives a shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User
from app.accounts.security import token_hash
from app.config import Settings
from app.courses.definitions import PresenceRules
from app.db import transaction, utcnow
from app.lectures import access, gates, pings
from app.lectures import router as lecture_routes
from app.lectures.models import Lecture, PresenceInterval
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


def test_phones_joining_together_are_checked_in_one_statement_by_the_rules_of_one(
    lecture: dict[str, Any], world: World, session_factory: sessionmaker[Session]
) -> None:
    """The first pings and streams of a hall are checked in batches: only a live login
    session of a trainee whose cohort is in the lecture passes; the others are checked alone."""
    with transaction(session_factory) as session:
        users = {
            name: session.get(User, user_id)
            for name, user_id in (
                ("a", world.trainee_a.user_id),
                ("b", world.trainee_b.user_id),  # a cohort not in the lecture
                ("staff", world.staff_a.id),
            )
        }
        tokens = {name: accounts.start_session(session, user) for name, user in users.items()}
        tokens["revoked"] = accounts.start_session(session, users["a"])
        accounts.end_session(session, tokens["revoked"])
    hashed = {token_hash(token): name for name, token in tokens.items()}
    with session_factory() as session:
        found = access.trainees_following(session, [*hashed, "nobody"], lecture["id"])
        # the first pings (their trainee only), and the checks of open streams every
        # stream_check_seconds, by the same rules
        ids = access.trainee_ids_following(session, [*hashed, "nobody"], lecture["id"])
        versions = access.versions_followed(session, [*hashed, "nobody"], lecture["id"])
        version = session.get(Lecture, lecture["id"]).state_version  # type: ignore[union-attr]
    assert {hashed[token]: trainee for token, (trainee, _user) in found.items()} == {
        "a": world.trainee_a.id
    }
    assert {hashed[token]: trainee for token, trainee in ids.items()} == {"a": world.trainee_a.id}
    assert {hashed[token]: seen for token, seen in versions.items()} == {"a": version or 0}


def test_a_lectures_streams_check_at_one_moment_and_lectures_at_different_ones() -> None:
    """Streams that opened at different times check together, so their checks join a batch."""
    interval = 15.0
    moments = {lecture: set() for lecture in (1, 2, 3)}
    for lecture in moments:
        for _ in range(3):
            before = time.monotonic()
            due = lecture_routes._next_check(lecture, interval)
            assert before < due <= time.monotonic() + interval
            moments[lecture].add(round(due % interval, 6))
            time.sleep(0.01)
    assert all(len(found) == 1 for found in moments.values())  # one moment per lecture
    assert len({found.pop() for found in moments.values()}) == 3  # different per lecture


def test_questions_asked_while_a_batch_waits_for_its_gate_are_answered_together() -> None:
    calls: list[list[int]] = []

    def answer(items: list[int]) -> dict[int, int]:
        calls.append(sorted(items))
        return {item: item * 10 for item in items if item != 3}

    async def ask_five() -> list[int | None]:
        batches: gates.Batches[int, int] = gates.Batches(gates.ThreadGate(1))
        return await asyncio.gather(*(batches.ask("lecture", n, answer) for n in range(1, 6)))

    # The first takes the only place at once; the next four wait for it as one batch.
    assert asyncio.run(ask_five()) == [10, 20, None, 40, 50]
    assert calls == [[1], [2, 3, 4, 5]]
