"""Presence as the app records it: a trainee's pings, at the server's time, make intervals."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.lectures.models import PresenceInterval
from app.lectures.pings import flush as write_pings
from tests.conftest import World
from tests.pages import form_token, page, text_of


def intervals(session_factory: sessionmaker[Session], lecture_id: int) -> list[tuple[int, bool]]:
    """(seconds from first ping to last, closed) of each stored presence interval."""
    write_pings(session_factory)  # pings are written together, every second or so
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


# --- timelines replayed as phones send them: a ping every 15 s while the page is visible ----

PHONE = "phone-of-trainee-a"


class Phone:
    """A trainee's phone page: pings every 15 s while awake, with the page's own device id."""

    def __init__(self, client: TestClient, base: str, device: str = PHONE) -> None:
        self.client, self.base, self.device = client, base, device

    def ping(self, **signal: Any) -> int:
        body = {"device": self.device, **signal}
        return self.client.post(f"{self.base}/ping", json=body).status_code

    def awake(self, minutes: float) -> None:
        for _ in range(int(minutes * 4)):
            assert self.ping() == 200
            clock.advance(15)

    def quiet(self, minutes: float) -> None:
        clock.advance(minutes * 60)


def row_of(sheet: dict[str, Any], trainee_id: int) -> dict[str, Any]:
    return next(r for r in sheet["rows"] if r["trainee_id"] == trainee_id)


def run_lecture(
    lecture: dict[str, Any], signed_in: Any, world: World, timeline: Any
) -> tuple[TestClient, dict[str, Any]]:
    """Start, let the trainee's phone do ``timeline(phone)`` in the first module, end."""
    lecturer = signed_in(world.lecturer)
    base = f"/api/v1/lectures/{lecture['id']}"
    phone = Phone(signed_in(world.trainee_a), base)
    assert phone.ping() == 200  # the page is open before the start, as in a real room
    assert lecturer.post(f"{base}/start").status_code == 200
    timeline(phone)
    assert lecturer.post(f"{base}/end").status_code == 200
    return lecturer, row_of(lecturer.get(f"{base}/attendance").json(), world.trainee_a.id)


def test_a_screen_that_slept_three_minutes_is_credited_as_a_bridged_gap(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(10)
        phone.quiet(3)  # the screen went to sleep; the page sent nothing
        phone.awake(7)

    _lecturer, row = run_lecture(lecture, signed_in, world, timeline)
    assert row["minutes"]["immigration"] == 20
    assert [(g["minutes"], g["status"]) for g in row["gaps"]] == [(3, "pending")]
    assert row["attendance"] == "throughout"


def test_a_network_lost_for_four_minutes_is_bridged_the_same_way(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(5)
        phone.quiet(4)  # pings failed: the venue's Wi-Fi dropped
        phone.awake(11)

    _lecturer, row = run_lecture(lecture, signed_in, world, timeline)
    assert row["minutes"]["immigration"] == 20
    assert [g["minutes"] for g in row["gaps"]] == [4]


def test_a_rejected_gap_is_no_longer_credited(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(10)
        phone.quiet(3)
        phone.awake(7)

    lecturer, row = run_lecture(lecture, signed_in, world, timeline)
    base = f"/api/v1/lectures/{lecture['id']}"
    (gap,) = row["gaps"]
    staff = signed_in(world.staff_a)
    assert staff.put(f"{base}/gaps/{gap['id']}", json={"status": "rejected"}).status_code == 403
    decided = lecturer.put(f"{base}/gaps/{gap['id']}", json={"status": "rejected"})
    assert decided.json()["status"] == "rejected"
    row = row_of(lecturer.get(f"{base}/attendance").json(), world.trainee_a.id)
    # 0:00–9:45 (the last ping before the screen slept) and 13:00–20:00: 16 min 45 s
    assert row["minutes"]["immigration"] == 16
    assert row["attendance"] == "partly"


def test_a_page_that_was_left_is_not_credited_after_it_left(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(12)
        assert phone.ping(leaving=True) == 200  # the trainee closed the page at 09:12
        phone.quiet(5)
        clock.advance(3 * 60)

    _lecturer, row = run_lecture(lecture, signed_in, world, timeline)
    assert row["minutes"]["immigration"] == 12
    assert row["gaps"] == []
    assert row["attendance"] == "partly" and row["left_at"] is not None


def test_a_phone_that_died_for_the_rest_of_the_lecture_is_a_departure(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(6)
        phone.quiet(40)  # never came back

    _lecturer, row = run_lecture(lecture, signed_in, world, timeline)
    assert row["minutes"]["immigration"] == 5  # up to its last ping, 15 s before the 6th minute
    assert row["gaps"] == []
    assert row["left_at"] is not None


def test_another_phone_or_a_gap_beyond_the_limit_is_not_bridged(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(5)
        phone.quiet(3)
        Phone(phone.client, phone.base, device="borrowed-phone").awake(5)
        phone.quiet(31)  # longer than the course's 30-minute limit
        Phone(phone.client, phone.base, device="borrowed-phone").awake(1)

    _lecturer, row = run_lecture(lecture, signed_in, world, timeline)
    assert row["gaps"] == []
    assert row["attendance"] == "partly"


def test_a_trainee_present_for_a_whole_area_gets_all_of_its_minutes(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer = signed_in(world.lecturer)
    base = f"/api/v1/lectures/{lecture['id']}"
    phone = Phone(signed_in(world.trainee_a), base)
    assert phone.ping() == 200
    assert lecturer.post(f"{base}/start").status_code == 200
    phone.awake(120)  # the last ping at 119:45, then "end" at 120:00
    assert lecturer.post(f"{base}/end").status_code == 200
    sheet = lecturer.get(f"{base}/attendance").json()
    assert next(a["taught"] for a in sheet["areas"] if a["code"] == "immigration") == 120
    assert row_of(sheet, world.trainee_a.id)["minutes"]["immigration"] == 120


def test_the_presenter_sees_who_follows_and_who_is_asleep(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer = signed_in(world.lecturer)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    phone = Phone(signed_in(world.trainee_a), base)
    phone.awake(1)
    room = lecturer.get(f"{base}/room").json()
    assert (room["following"], room["expected"]) == (1, 1)
    phone.quiet(2)
    room = lecturer.get(f"{base}/room").json()
    assert room["following"] == 0
    assert [t["state"] for t in room["trainees"]] == ["asleep"]
    assert phone.ping(leaving=True) == 200
    assert [t["state"] for t in lecturer.get(f"{base}/room").json()["trainees"]] == ["left"]
    assert signed_in(world.staff_b).get(f"{base}/room").status_code == 404
    assert signed_in(world.trainee_a).get(f"{base}/room").status_code == 403


def test_the_whole_sheet_is_saved_at_once_or_not_at_all(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, staff = signed_in(world.lecturer), signed_in(world.staff_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.post(f"{base}/start").status_code == 200
    clock.advance(30 * 60)
    assert lecturer.post(f"{base}/end").status_code == 200
    mark = {"trainee_id": world.trainee_a.id, "status": "present"}
    outsider = {"trainee_id": world.trainee_b.id, "status": "present"}
    refused = staff.put(f"{base}/roster", json={"marks": [mark, outsider]})
    assert refused.status_code == 404
    row = row_of(lecturer.get(f"{base}/attendance").json(), world.trainee_a.id)
    assert (row["attendance"], row["roster"]) == ("no-data", None)  # nothing pre-filled
    saved = staff.put(f"{base}/roster", json={"marks": [mark]})
    assert row_of(saved.json(), world.trainee_a.id)["minutes"]["immigration"] == 30


def test_the_lecturer_rejects_a_bridged_gap_from_the_sheet_page(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    def timeline(phone: Phone) -> None:
        phone.awake(10)
        phone.quiet(3)
        phone.awake(7)

    lecturer, _row = run_lecture(lecture, signed_in, world, timeline)
    sheet = f"/lectures/{lecture['id']}/attendance"
    doc = page(lecturer, f"{sheet}?lang=en")
    (gap,) = doc.xpath(f'//tr[@id="trainee-{world.trainee_a.id}"]//div[@data-gap]')
    assert "Phone quiet" in text_of(gap) and "credited, to check" in text_of(gap)
    (reject,) = gap.xpath('.//button[@value="rejected"]')
    token = form_token(doc, f"/lectures/{lecture['id']}/roster")
    posted = lecturer.post(
        reject.get("formaction"),
        data={"csrf_token": token, "decision": "rejected"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    (row,) = page(lecturer, f"{sheet}?lang=en").xpath(f'//tr[@id="trainee-{world.trainee_a.id}"]')
    assert "rejected" in text_of(row) and row.get("data-attendance") == "partly"
    staff_doc = page(signed_in(world.staff_a), f"{sheet}?lang=en")
    assert not staff_doc.xpath('//button[@value="rejected"]')  # the lecturer decides
