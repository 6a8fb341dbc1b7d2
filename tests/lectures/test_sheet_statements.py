"""The attendance sheet reads a lecture of 3 trainees or 300 in the same statements: nothing
is read once per trainee (a cohort read again for each trainee's language chain made 300)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from tests.conftest import World, more_trainees


def _statements(koshu_app: FastAPI, client: Any, url: str) -> int:
    count = 0

    def counted(*_args: object) -> None:
        nonlocal count
        count += 1

    engine = koshu_app.state.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert response.status_code == 200, response.text
    return count


def test_the_sheet_of_a_larger_cohort_takes_no_more_statements(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    koshu_app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    lecturer = signed_in(world.lecturer)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    clock.advance(30 * 60)
    assert lecturer.post(f"{base}/end").status_code == 200
    lecturer.get(f"{base}/attendance")  # compiled statements and caches, as a running app has
    few = _statements(koshu_app, lecturer, f"{base}/attendance")
    more_trainees(session_factory, world, 12, prefix="S-")
    many = _statements(koshu_app, lecturer, f"{base}/attendance")
    rows = lecturer.get(f"{base}/attendance").json()["rows"]
    assert len(rows) >= 13
    assert many == few
