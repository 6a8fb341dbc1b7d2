"""Presence as the app records it: a trainee's pings, at the server's time, make intervals."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.lectures.models import PresenceInterval
from tests.conftest import World


def intervals(session_factory: sessionmaker[Session], lecture_id: int) -> list[tuple[int, bool]]:
    """(seconds from first ping to last, closed) of each stored presence interval."""
    with session_factory() as session:
        rows = session.scalars(
            select(PresenceInterval)
            .where(PresenceInterval.lecture_id == lecture_id)
            .order_by(PresenceInterval.id)
        )
        return [(round((r.last_seen_at - r.started_at).total_seconds()), r.closed) for r in rows]


def following(lecture: dict[str, Any], signed_in: Any, world: World) -> tuple[TestClient, str]:
    base = f"/api/v1/lectures/{lecture['id']}"
    assert signed_in(world.lecturer).post(f"{base}/start").status_code == 200
    return signed_in(world.trainee_a), base


def pings(trainee: TestClient, base: str, every: int, count: int) -> None:
    for _ in range(count):
        assert trainee.post(f"{base}/ping", json={}).status_code == 200
        clock.advance(every)


def test_pings_within_the_gap_extend_one_interval(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: Any
) -> None:
    trainee, base = following(lecture, signed_in, world)
    pings(trainee, base, every=45, count=5)  # 45 s apart: the 60 s gap is never exceeded
    assert intervals(session_factory, lecture["id"]) == [(180, False)]


def test_a_gap_longer_than_the_limit_starts_a_new_interval(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: Any
) -> None:
    trainee, base = following(lecture, signed_in, world)
    pings(trainee, base, every=15, count=5)
    clock.advance(10 * 60)  # the network dropped for ten minutes
    pings(trainee, base, every=15, count=3)
    assert intervals(session_factory, lecture["id"]) == [(60, True), (30, False)]


def test_a_single_ping_proves_no_stretch_of_time(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: Any
) -> None:
    trainee, base = following(lecture, signed_in, world)
    pings(trainee, base, every=15, count=1)
    assert intervals(session_factory, lecture["id"]) == [(0, False)]


def test_leaving_the_page_closes_the_interval(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: Any
) -> None:
    trainee, base = following(lecture, signed_in, world)
    pings(trainee, base, every=15, count=3)
    assert trainee.post(f"{base}/ping", json={"leaving": True}).status_code == 200
    clock.advance(15)
    pings(trainee, base, every=15, count=2)  # back on the page: a new interval
    assert intervals(session_factory, lecture["id"]) == [(45, True), (15, False)]


def test_only_a_trainee_of_the_lecture_pings(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: Any
) -> None:
    _trainee, base = following(lecture, signed_in, world)
    assert signed_in(world.trainee_b).post(f"{base}/ping", json={}).status_code == 404
    assert signed_in(world.staff_a).post(f"{base}/ping", json={}).status_code == 403
    assert intervals(session_factory, lecture["id"]) == []
