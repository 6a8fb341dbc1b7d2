"""Changing lectures: warnings before saving, moving and cancelling with a reason, and the
revision a lecture teaches."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.cohorts.models import Cohort
from tests.conftest import PASSWORD, World, upload
from tests.pages import form_token, page, text_of

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 18:00 in Japan, in cohort A's training


def body(world: World, start: datetime = START, **fields: Any) -> dict[str, Any]:
    return {
        "lecturer_id": world.lecturer.id,
        "cohort_ids": [world.cohort_a.id],
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=2)).isoformat(),
        "interpreters": [{"name": "Le Thi Mai", "language": "vi"}],
        **fields,
    }


def _lecturer(session: Session, email: str, **profile: Any) -> int:
    user = accounts.create_user(
        session,
        None,
        role="lecturer",
        email=email,
        display_name=email.split("@")[0],
        password=PASSWORD,
        **profile,
    )
    return user.id


def _unqualified(session: Session, world: World) -> dict[str, Any]:
    return {"lecturer_id": _lecturer(session, "clerk@example.org", qualification="other")}


def _affiliated(session: Session, world: World) -> dict[str, Any]:
    # As the CLI stores it: only the cooperative's name, here typed in full-width letters.
    lecturer_id = _lecturer(
        session,
        "director@example.org",
        qualification="attorney",
        affiliations=[{"name": "Ｃｏｏｐ　Ａ"}],
    )
    return {"lecturer_id": lecturer_id}


def _after_work_start(session: Session, world: World) -> dict[str, Any]:
    return {"start": datetime(2027, 1, 6, 0, 0, tzinfo=UTC)}  # work starts 2027-01-05


def _before_arrival(session: Session, world: World) -> dict[str, Any]:
    cohort = session.get_one(Cohort, world.cohort_a.id)
    cohort.arrival_date, cohort.training_start = date(2026, 12, 5), date(2026, 12, 5)
    return {}


def _overlapping(session: Session, world: World) -> dict[str, Any]:
    return {"start": START + timedelta(hours=1)}  # the fixture's lecture runs 09:00-11:00 UTC


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (_unqualified, "lecturer-not-qualified"),
        (_affiliated, "lecturer-not-independent"),
        (_after_work_start, "after-work-start"),
        (_before_arrival, "before-arrival"),
        (_overlapping, "overlapping-lecture"),
    ],
)
def test_each_slip_is_warned_and_saved_only_once_acknowledged(
    lecture: dict[str, Any],
    signed_in: Any,
    world: World,
    session_factory: sessionmaker[Session],
    setup: Any,
    code: str,
) -> None:
    with session_factory() as session:
        fields = setup(session, world)
        session.commit()
    staff = signed_in(world.staff_a)
    wanted = body(world, **fields)
    refused = staff.post("/api/v1/lectures?lang=ja", json=wanted)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "scheduling-warnings"
    warning = next(w for w in error["warnings"] if w["code"] == code)
    assert re.search("[\u3040-\u30ff\u4e00-\u9fff]", warning["message"])  # in Japanese
    assert len(staff.get("/api/v1/lectures").json()) == 1  # nothing saved

    saved = staff.post("/api/v1/lectures", json={**wanted, "acknowledge_warnings": True})
    assert saved.status_code == 201, saved.text
    assert code in [w["code"] for w in saved.json()["warnings"]]
    audit = staff.get("/api/v1/audit").json()
    created = next(
        e
        for e in audit
        if e["entity"] == "lecture"
        and e["action"] == "create"
        and e["entity_id"] == str(saved.json()["id"])
    )
    assert any(line.startswith(code) for line in created["changes"]["warnings_acknowledged"])


def test_a_language_without_deck_or_interpreter_is_warned(
    lecture: dict[str, Any], signed_in: Any, world: World, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        session.get_one(Cohort, world.cohort_a.id).languages = ["vi", "km"]
        session.commit()
    staff = signed_in(world.staff_a)
    later = START + timedelta(days=1)
    refused = staff.post("/api/v1/lectures", json=body(world, later))
    assert [w["code"] for w in refused.json()["error"]["warnings"]] == ["language-without-deck"]
    # The Vietnamese deck is complete; a Khmer interpreter covers the rest.
    interpreted = body(world, later, interpreters=[{"name": "Chan Sophea", "language": "km"}])
    saved = staff.post("/api/v1/lectures", json=interpreted)
    assert saved.status_code == 201 and saved.json()["warnings"] == []


def test_a_lecture_scheduled_before_a_revision_teaches_the_revision_published_at_its_start(
    lecture: dict[str, Any], published: TestClient, decks: Path, signed_in: Any, world: World
) -> None:
    assert lecture["revision"] == 1
    assert upload(published, decks / "ja-revised.pptx", "ja").status_code == 201
    assert (
        published.post(
            "/api/v1/courses/legal-protection/revisions/2/publish?confirm=true"
        ).status_code
        == 200
    )
    lecturer = signed_in(world.lecturer)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert lecturer.get(base).json()["newer_revision"] == 2
    screen = page(lecturer, f"/lectures/{lecture['id']}/present?lang=en")
    notice = text_of(screen.xpath('//p[@id="newer-revision"]')[0])
    assert "Revision 2 has been published" in notice and "teaches revision 2" in notice

    assert lecturer.post(f"{base}/start").status_code == 200
    started = lecturer.get(base).json()
    assert (started["revision"], started["newer_revision"]) == (2, None)
    assert started["modules"] == ["LP-02", "LP-03"]
    slide = lecturer.get(f"/lectures/{lecture['id']}/slide-fragment?lang=en")
    assert slide.status_code == 200


def test_staff_move_a_lecture_with_a_reason_and_its_trainees_see_it(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    later = START + timedelta(days=1)
    move = {
        "scheduled_start": later.isoformat(),
        "scheduled_end": (later + timedelta(hours=2)).isoformat(),
    }
    assert staff.patch(base, json=move).status_code == 422  # no reason
    assert signed_in(world.staff_b).patch(base, json={**move, "reason": "x"}).status_code == 404
    moved = staff.patch(base, json={**move, "reason": "講師の急病のため"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["scheduled_start"].startswith("2026-12-04T09:00")
    assert moved.json()["previous_start"].startswith("2026-12-03T09:00")
    entry = next(e for e in staff.get("/api/v1/audit").json() if e["action"] == "update")
    assert entry["changes"]["reason"] == "講師の急病のため"
    assert "scheduled_start" in entry["changes"]

    phone = signed_in(world.trainee_a)
    home = text_of(page(phone, "/t?lang=vi").xpath('//ul[@class="my-lectures"]')[0])
    assert "2026-12-04" in home
    assert "Đã dời từ 2026-12-03 18:00" in home and "Lý do: 講師の急病のため" in home

    lecturer = signed_in(world.lecturer)
    assert lecturer.post(f"{base}/start").status_code == 200
    again = staff.patch(base, json={**move, "scheduled_start": START.isoformat(), "reason": "x"})
    assert again.status_code == 409  # started: the time no longer changes
    venue = staff.patch(base, json={"venue": "2F 会議室", "reason": "部屋の変更"})
    assert venue.status_code == 200 and venue.json()["venue"] == "2F 会議室"


def test_a_cancelled_lecture_cannot_start_and_its_trainees_read_why(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    assert staff.post(f"{base}/cancel", json={"reason": ""}).status_code == 422
    # A cancellation cannot be taken back: it needs confirm, and without it nothing changes.
    unconfirmed = staff.post(f"{base}/cancel", json={"reason": "台風のため"})
    assert unconfirmed.status_code == 428
    assert staff.get(base).json()["status"] == "scheduled"
    cancelled = staff.post(f"{base}/cancel", json={"reason": "台風のため", "confirm": True})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert signed_in(world.lecturer).post(f"{base}/start").status_code == 409
    phone = signed_in(world.trainee_a)
    assert phone.post(f"{base}/ping", json={}).status_code == 409
    item = page(phone, "/t?lang=vi").xpath('//li[contains(@class, "lecture-cancelled")]')[0]
    assert "Đã hủy" in text_of(item) and "Lý do: 台風のため" in text_of(item)
    assert "台風のため" in text_of(page(phone, f"/t/lectures/{lecture['id']}?lang=vi"))
    # Nothing is recorded for it, live or afterwards.
    mark = {"status": "present"}
    assert staff.put(f"{base}/roster/{world.trainee_a.id}", json=mark).status_code == 409
    end = START + timedelta(hours=1)
    block = {"modules": ["LP-02"], "start": START.isoformat(), "end": end.isoformat()}
    paper = {"via": "paper", "blocks": [block], "attendees": []}
    afterwards = staff.post(f"{base}/recorded?lang=en", json=paper)
    assert afterwards.status_code == 422 and "cancelled" in afterwards.json()["error"]["message"]
    # It overlaps nothing any more, and it cannot be cancelled or moved again.
    assert staff.post("/api/v1/lectures", json=body(world)).status_code == 201
    again = {"reason": "again", "confirm": True}
    assert staff.post(f"{base}/cancel", json=again).status_code == 409
    assert staff.patch(base, json={"venue": "x", "reason": "y"}).status_code == 409
    entry = next(e for e in staff.get("/api/v1/audit").json() if e["action"] == "cancel")
    assert entry["changes"] == {"reason": "台風のため"}


def test_the_forms_show_warnings_and_save_with_the_box_checked(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    listing = page(staff, "/lectures?lang=en")
    form = {
        "csrf_token": form_token(listing, "/lectures"),
        "course": "legal-protection",
        "lecturer_id": str(world.lecturer.id),
        "day": "2027-01-06",  # after cohort A's work start
        "start_time": "09:00",
        "end_time": "11:00",
        "cohort_ids": [str(world.cohort_a.id)],
        "interpreter_name": "Le Thi Mai",
        "interpreter_language": "vi",
    }
    warned = staff.post("/lectures?lang=en", data=form)
    assert warned.status_code == 409
    doc = html.fromstring(warned.text)
    codes = doc.xpath('//div[contains(@class, "warnings")]//li/@data-code')
    assert "after-work-start" in codes
    assert doc.xpath('//input[@name="acknowledge_warnings"]')
    saved = staff.post(
        "/lectures", data={**form, "acknowledge_warnings": "true"}, follow_redirects=False
    )
    assert saved.status_code == 303

    detail = page(staff, f"/lectures/{lecture['id']}?lang=en")
    change = {
        "csrf_token": form_token(detail, f"/lectures/{lecture['id']}/change"),
        "lecturer_id": str(world.lecturer.id),
        "day": "2026-12-04",
        "start_time": "10:00",
        "end_time": "12:00",
        "venue": "3F",
        "reason": "会場の都合",
    }
    moved = staff.post(f"/lectures/{lecture['id']}/change", data=change, follow_redirects=False)
    assert moved.status_code == 303, text_of(html.fromstring(moved.text).xpath("//main")[0])
    after = staff.get(f"/api/v1/lectures/{lecture['id']}").json()
    assert after["scheduled_start"].startswith("2026-12-04T01:00")
    cancel = {
        "csrf_token": form_token(detail, f"/lectures/{lecture['id']}/cancel"),
        "reason": "台風",
    }
    asked = staff.post(f"/lectures/{lecture['id']}/cancel?lang=ja", data=cancel)
    assert asked.status_code == 200  # the confirmation page, which repeats the reason
    assert "台風" in asked.text and "元に戻すこともできません" in asked.text
    assert staff.get(f"/api/v1/lectures/{lecture['id']}").json()["status"] == "scheduled"
    cancel["confirm"] = "true"
    done = staff.post(f"/lectures/{lecture['id']}/cancel", data=cancel, follow_redirects=False)
    assert done.status_code == 303
    assert staff.get(f"/api/v1/lectures/{lecture['id']}").json()["status"] == "cancelled"


def test_a_time_without_its_offset_is_refused_not_guessed(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    naive = {"scheduled_start": "2026-12-04T09:00:00", "reason": "x"}
    assert staff.patch(f"/api/v1/lectures/{lecture['id']}", json=naive).status_code == 422
    wanted = {**body(world), "scheduled_start": "2026-12-04T09:00:00"}
    assert staff.post("/api/v1/lectures", json=wanted).status_code == 422
