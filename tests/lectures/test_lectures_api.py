"""A live lecture through the API: schedule, present, follow, attend, answer, confirm."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import clock
from app.lectures.models import Poll
from tests.conftest import World

AREAS = ["training-act", "immigration", "labour", "protection"]


def test_staff_schedule_a_lecture_the_lecturer_and_staff_see_it(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    assert lecture["modules"] == ["LP-02", "LP-03"]
    assert lecture["interpreters"] == [{"name": "Le Thi Mai", "language": "vi"}]
    assert lecture["revision"] == 1
    lecturer_view = signed_in(world.lecturer).get("/api/v1/lectures").json()
    assert [item["id"] for item in lecturer_view] == [lecture["id"]]
    assert signed_in(world.staff_b).get(f"/api/v1/lectures/{lecture['id']}").status_code == 404
    assert signed_in(world.trainee_b).get(f"/api/v1/lectures/{lecture['id']}").status_code == 404


def test_only_the_lecturer_presents(lecture: dict[str, Any], signed_in: Any, world: World) -> None:
    for outsider in (world.staff_a, world.trainee_a):
        response = signed_in(outsider).post(f"/api/v1/lectures/{lecture['id']}/start")
        assert response.status_code == 403
    assert (
        signed_in(world.lecturer).post(f"/api/v1/lectures/{lecture['id']}/start").json()["status"]
        == "live"
    )


def test_minutes_per_area_follow_the_timeline_and_presence(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    state = lecturer.post(f"{base}/start").json()
    assert (state["module"], state["area"]) == ("LP-02", "immigration")

    def minutes_pass(minutes: int, *, pinging: bool = True) -> None:
        for _ in range(minutes * 4):  # a ping every 15 s, as the page sends them
            clock.advance(15)
            if pinging:
                assert trainee.post(f"{base}/ping", json={}).status_code == 200

    assert (
        trainee.post(f"{base}/ping", json={"client_time": "1999-01-01T00:00:00Z"}).status_code
        == 200
    )
    minutes_pass(30)
    lecturer.post(f"{base}/slide", json={"module": "LP-03", "position": 1})
    minutes_pass(20)
    lecturer.post(f"{base}/pause")
    minutes_pass(10)  # paused: counts for nobody
    lecturer.post(f"{base}/resume")
    minutes_pass(10)
    minutes_pass(15, pinging=False)  # the trainee's phone went dark
    lecturer.post(f"{base}/end")
    sheet = lecturer.get(f"{base}/attendance").json()
    row = next(r for r in sheet["rows"] if r["trainee_id"] == world.trainee_a.id)
    assert row["minutes"] == {"training-act": 0, "immigration": 30, "labour": 30, "protection": 0}
    assert row["source"] == "device"
    assert trainee.post(f"{base}/ping", json={}).status_code == 409  # the lecture has ended


def test_roster_marks_and_confirmed_corrections_keep_the_old_value(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, staff = signed_in(world.lecturer), signed_in(world.staff_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    lecturer.post(f"{base}/start")
    clock.advance(60 * 60)
    lecturer.post(f"{base}/end")
    trainee = world.trainee_a.id
    assert (
        staff.put(
            f"{base}/roster/{trainee}", json={"status": "late", "minutes": 15, "reason": "バス遅延"}
        ).status_code
        == 200
    )
    sheet = lecturer.get(f"{base}/attendance").json()
    row = next(r for r in sheet["rows"] if r["trainee_id"] == trainee)
    assert (row["source"], row["minutes"]["immigration"]) == ("roster", 45)
    short = [(s["trainee_id"], s["area"], s["credited"], s["taught"]) for s in sheet["shortfalls"]]
    assert short == [(trainee, "immigration", 45, 60)]
    refused_confirm = lecturer.post(f"{base}/confirm", json={"confirm": True})
    assert refused_confirm.status_code == 409
    assert refused_confirm.json()["error"]["code"] == "shortfalls"
    meant = {"acknowledge_shortfalls": True, "confirm": True}
    unmeant = lecturer.post(f"{base}/confirm", json={"acknowledge_shortfalls": True})
    assert (unmeant.status_code, unmeant.json()["error"]["code"]) == (428, "confirmation-required")
    assert lecturer.get(f"{base}/attendance").json()["confirmed_at"] is None
    acknowledged = lecturer.post(f"{base}/confirm", json=meant)
    assert acknowledged.status_code == 200
    assert acknowledged.json()["undo_until"] is not None
    # Undone by mistake within the window: unconfirmed, audited, then confirmed again.
    assert staff.delete(f"{base}/confirm").status_code == 403  # only the presenter
    undone = lecturer.delete(f"{base}/confirm")
    assert (undone.status_code, undone.json()["confirmed_at"]) == (200, None)
    audit = staff.get("/api/v1/audit").json()
    assert any(e["summary"] == "attendance sheet confirmation undone" for e in audit)
    assert lecturer.post(f"{base}/confirm", json=meant).status_code == 200
    clock.advance(16 * 60)
    late = lecturer.delete(f"{base}/confirm")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "undo-window-over")
    assert lecturer.get(f"{base}/attendance").json()["undo_until"] is None
    refused = staff.put(f"{base}/roster/{trainee}", json={"status": "present"})
    assert refused.status_code == 422
    fixed = staff.put(
        f"{base}/roster/{trainee}", json={"status": "present", "reason": "遅刻は誤記録"}
    )
    assert fixed.status_code == 200
    history = lecturer.get(f"{base}/attendance/{trainee}/history").json()
    assert [
        (h["minutes"]["immigration"], h["reason"], h["superseded_at"] is None) for h in history
    ] == [(45, "", False), (45, "", False), (60, "遅刻は誤記録", True)]
    assert (
        signed_in(world.staff_b)
        .put(f"{base}/roster/{trainee}", json={"status": "absent"})
        .status_code
        == 404
    )


def test_a_countdown_poll_refuses_late_answers_and_the_server_closes_it_at_the_deadline(
    lecture: dict[str, Any], signed_in: Any, world: World, session: Session
) -> None:
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    lecturer.post(f"{base}/start")
    lecturer.post(f"{base}/slide", json={"module": "LP-02", "position": 4})
    assert lecturer.post(f"{base}/poll", json={"seconds": 2}).status_code == 422  # too short
    poll = lecturer.post(f"{base}/poll", json={"seconds": 30}).json()["poll"]
    assert 29 <= poll["remaining"] <= 30
    assert trainee.get(f"{base}/state").json()["poll"]["id"] == poll["id"]
    clock.advance(31)  # the phone's own clock plays no part: only the server's counts
    late = trainee.post(f"{base}/answers", json={"poll_id": poll["id"], "choice": "A"})
    assert late.status_code == 409
    assert late.json()["error"]["message"] == (
        "Câu hỏi này đã đóng; câu trả lời của bạn không được tính."
    )
    assert trainee.get(f"{base}/state").json()["poll"] is None
    assert lecturer.get(f"{base}/poll/results").json()["open"] is False
    phone = trainee.get(f"/t/lectures/{lecture['id']}/slide?module=LP-02&position=4").text
    assert 'class="poll-outcome"' in phone and "data-choice" not in phone
    # The poll timer writes the close down at the deadline, nobody having pressed anything.
    deadline = time.monotonic() + 5
    row = session.get(Poll, poll["id"])
    while row is not None and row.closed_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
        session.expire_all()
        row = session.get(Poll, poll["id"])
    assert row is not None and row.closed_at == row.closes_at
    # A new poll with a countdown takes answers while time is left.
    again = lecturer.post(f"{base}/poll", json={"seconds": 60}).json()["poll"]
    clock.advance(59)
    answered = trainee.post(f"{base}/answers", json={"poll_id": again["id"], "choice": "A"})
    assert answered.status_code == 201


def test_a_live_poll_takes_one_answer_per_trainee_while_open(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    lecturer.post(f"{base}/start")
    assert lecturer.post(f"{base}/poll").status_code == 422  # not a quiz slide
    lecturer.post(f"{base}/slide", json={"module": "LP-02", "position": 4})
    poll = lecturer.post(f"{base}/poll").json()["poll"]
    assert poll["choices"] == 2
    assert (
        trainee.post(f"{base}/answers", json={"poll_id": poll["id"], "choice": "A"}).status_code
        == 201
    )
    again = trainee.post(f"{base}/answers", json={"poll_id": poll["id"], "choice": "B"})
    assert again.status_code == 409
    results = lecturer.get(f"{base}/poll/results").json()
    assert (results["counts"], results["answered"], results["answer"]) == ({"A": 1, "B": 0}, 1, "A")
    lecturer.delete(f"{base}/poll")
    other = signed_in(world.trainee_b)
    assert (
        other.post(f"{base}/answers", json={"poll_id": poll["id"], "choice": "A"}).status_code
        == 404
    )


def test_the_event_stream_sends_the_current_state_and_refuses_outsiders(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer = signed_in(world.lecturer)
    lecturer.post(f"/api/v1/lectures/{lecture['id']}/start")
    trainee = signed_in(world.trainee_a)
    with trainee.stream("GET", f"/api/v1/lectures/{lecture['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert '"module":"LP-02"' in lines[-1]
    outsider = signed_in(world.trainee_b).get(f"/api/v1/lectures/{lecture['id']}/events")
    assert outsider.status_code == 404


def test_a_lecture_of_another_cooperative_is_invisible_on_every_route(
    published: TestClient, signed_in: Any, world: World
) -> None:
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    other = (
        signed_in(world.staff_b)
        .post(
            "/api/v1/lectures",
            json={
                "lecturer_id": world.lecturer.id,
                "cohort_ids": [world.cohort_b.id],
                "scheduled_start": start.isoformat(),
                "scheduled_end": (start + timedelta(hours=2)).isoformat(),
            },
        )
        .json()
    )
    signed_in(world.lecturer).post(f"/api/v1/lectures/{other['id']}/start")
    base = f"/api/v1/lectures/{other['id']}"
    calls = [
        ("GET", base, None),
        ("GET", f"{base}/state", None),
        ("GET", f"{base}/events", None),
        ("GET", f"{base}/attendance", None),
        ("GET", f"{base}/poll/results", None),
        ("POST", f"{base}/ping", {}),
        ("POST", f"{base}/answers", {"poll_id": 1, "choice": "A"}),
        ("PUT", f"{base}/roster/{world.trainee_b.id}", {"status": "absent"}),
        ("POST", f"{base}/slide", {"step": 1}),
        ("POST", f"{base}/end", None),
    ]
    for user in (world.staff_a, world.trainee_a):
        browser = signed_in(user)
        for method, path, body in calls:
            response = browser.request(method, path, json=body)
            assert response.status_code in (403, 404), (user.__class__.__name__, method, path)
            assert "ZZCOOPB" not in response.text
    assert [item["id"] for item in signed_in(world.staff_a).get("/api/v1/lectures").json()] == []
    assert signed_in(world.staff_b).get(f"{base}/attendance").status_code == 200
