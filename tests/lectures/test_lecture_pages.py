"""The lecture pages through the HTTP client: schedule, present, follow on a phone, attend,
study alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html

from app import clock
from app.i18n import gettext
from tests import deckmaker
from tests.conftest import World, upload
from tests.pages import form_token, page, text_of

COURSE = "legal-protection"


def publish(client: TestClient, number: int = 1) -> None:
    response = client.post(f"/api/v1/courses/{COURSE}/revisions/{number}/publish?confirm=true")
    assert response.status_code == 200, response.text


@pytest.fixture
def published(client: TestClient, decks: Path) -> TestClient:
    """The sample lecture in ja and vi, revision 1 published (as the admin client)."""
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    assert upload(client, decks / "vi.pptx", "vi").status_code == 201
    publish(client)
    return client


def schedule(staff: TestClient, world: World, modules: list[str]) -> dict[str, Any]:
    start = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    response = staff.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "scheduled_start": start.isoformat(),
            "scheduled_end": (start + timedelta(hours=2)).isoformat(),
            "modules": modules,
            "venue": "岡山国際交流センター 3F",
            # Some tests here make the Vietnamese deck stale: a warning, seen and accepted.
            "acknowledge_warnings": True,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def lecture(published: TestClient, signed_in: Any, world: World) -> dict[str, Any]:
    return schedule(signed_in(world.staff_a), world, ["LP-02", "LP-03"])


def test_staff_schedule_a_lecture_through_the_form(
    published: TestClient, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    doc = page(staff, "/lectures?lang=en")
    assert doc.xpath(f'//select[@name="lecturer_id"]/option[@value="{world.lecturer.id}"]')
    cohorts = doc.xpath('//input[@name="cohort_ids"]/@value')
    assert cohorts == [str(world.cohort_a.id)]  # never another cooperative's cohort
    assert "legal-protection/LP-02" in doc.xpath('//input[@name="modules"]/@value')
    form = {
        "course": COURSE,
        "lecturer_id": str(world.lecturer.id),
        "day": "2026-12-03",
        "start_time": "09:00",
        "end_time": "12:30",
        "cohort_ids": [str(world.cohort_a.id)],
        "modules": ["legal-protection/LP-02", "legal-protection/LP-03", "other-course/X"],
        "venue": "岡山国際交流センター 3F",
        "delivery": "classroom",
        "interpreter_name": ["Le Thi Mai", "", ""],
        "interpreter_language": ["vi", "en", "en"],
    }
    refused = staff.post("/lectures", data=form, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token

    form["csrf_token"] = form_token(doc, "/lectures")
    response = staff.post("/lectures", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    lecture_id = int(re.search(r"/lectures/(\d+)", response.headers["location"]).group(1))
    saved = staff.get(f"/api/v1/lectures/{lecture_id}").json()
    # 09:00–12:30 in Japan is 00:00–03:30 UTC.
    assert saved["scheduled_start"].startswith("2026-12-03T00:00:00")
    assert saved["scheduled_end"].startswith("2026-12-03T03:30:00")
    assert saved["modules"] == ["LP-02", "LP-03"]
    assert saved["interpreters"] == [{"name": "Le Thi Mai", "language": "vi"}]
    assert saved["venue"] == "岡山国際交流センター 3F"

    detail = page(staff, f"/lectures/{lecture_id}?lang=en")
    assert detail.xpath('//div[@class="join-qr"]/svg')
    join = f"t/lectures/join/{saved['join_code']}"
    assert text_of(detail.xpath('//p[@class="join-url"]')[0]).endswith(join)
    assert "09:00–12:30" in text_of(detail.xpath("//h1")[0])
    listing = page(staff, "/lectures?lang=en")
    assert listing.xpath(f'//a[@href="/lectures/{lecture_id}/attendance"]')
    assert not listing.xpath(f'//a[@href="/lectures/{lecture_id}/present"]')  # staff do not

    # A mistake comes back on the form, with what was typed.
    form["end_time"] = "08:00"
    wrong = staff.post("/lectures", data=form)
    assert wrong.status_code == 422
    again = html.fromstring(wrong.text)
    assert "it ends before it starts" in text_of(again.xpath('//p[@class="error"]')[0])
    assert again.xpath('//input[@name="venue"]/@value') == ["岡山国際交流センター 3F"]


def test_the_lecturer_presents_the_first_slide_after_start(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer = signed_in(world.lecturer)
    listing = page(lecturer, "/lectures?lang=en")
    assert listing.xpath(f'//a[@href="/lectures/{lecture["id"]}/present"]')
    assert not listing.xpath('//form[@action="/lectures"]')  # lecturers do not schedule

    before = page(lecturer, f"/lectures/{lecture['id']}/present?lang=en")
    assert before.xpath('//meta[@name="csrf-token"]/@content')
    assert text_of(before.xpath('//span[@id="status"]')[0]) == "Scheduled"
    assert lecturer.post(f"/api/v1/lectures/{lecture['id']}/start").status_code == 200

    doc = page(lecturer, f"/lectures/{lecture['id']}/present?lang=en")
    assert text_of(doc.xpath('//span[@id="status"]')[0]) == "Live"
    (current,) = doc.xpath('//div[@data-part="current"]')
    assert "LP-02" in text_of(current.xpath('.//p[@class="stage-head"]')[0])
    assert "Immigration Control Act" in text_of(current)  # the statutory area
    slide = current.xpath('.//section[contains(@class, "stage-slide")]')[0]
    assert slide.get("lang") == "ja"
    assert text_of(slide.xpath(".//h3")[0]) == "入管法"
    (side,) = doc.xpath('//div[@data-part="side"]')
    assert text_of(side.xpath('.//section[contains(@class, "next-slide")]//h3')[0]) == "入管法 1"
    areas = doc.xpath("//div[@data-area]/@data-area")
    assert areas == ["training-act", "immigration", "labour", "protection"]

    # The script swaps in the next slide from the fragment route, notes included.
    fragment = page(
        lecturer, f"/lectures/{lecture['id']}/slide-fragment?module=LP-02&position=2&lang=en"
    )
    assert (
        text_of(fragment.xpath('//section[contains(@class, "stage-slide")]//h3')[0]) == "入管法 1"
    )
    assert text_of(fragment.xpath('//div[@class="notes"]')[0]) == "説明 notes 2"
    assert fragment.xpath('//div[@class="stage-data"]/@data-area-seconds')
    page(lecturer, f"/lectures/{lecture['id']}/slide-fragment?module=LP-09&position=1", 422)

    # Staff may see the lecture, but only its lecturer (or an admin) presents it.
    page(signed_in(world.staff_a), f"/lectures/{lecture['id']}/present", 403)


def test_the_trainee_follows_the_slide_in_vietnamese(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    waiting = page(trainee, f"/t/lectures/{lecture['id']}")
    assert waiting.get("lang") == "vi"
    assert waiting.xpath('//span[@data-when="scheduled"][not(@hidden)]')
    assert not waiting.xpath('//div[@class="follow-slide"]/section')

    lecturer.post(f"{base}/start")
    lecturer.post(f"{base}/slide", json={"module": "LP-02", "position": 2})
    doc = page(trainee, f"/t/lectures/{lecture['id']}")
    assert doc.get("lang") == "vi"
    assert doc.xpath('//meta[@name="csrf-token"]/@content')
    assert doc.xpath('//span[@data-when="live"][not(@hidden)]')
    (slide,) = doc.xpath('//div[@class="follow-slide"]/section')
    assert slide.get("lang") == "vi"
    assert text_of(slide.xpath(".//h3")[0]) == "Luật xuất nhập cảnh 1"
    assert [text_of(li) for li in slide.xpath(".//li")] == ["Giải thích 2.1", "Giải thích 2.2"]
    assert not doc.xpath('//p[@class="note-fallback"]')
    assert not doc.xpath('//div[@class="notes"]')  # speaker notes are the lecturer's

    fragment = page(trainee, f"/t/lectures/{lecture['id']}/slide?module=LP-03&position=3")
    assert fragment.xpath('//div[@class="follow-slide"]/@data-key') == ["LP-03|3|"]
    assert text_of(fragment.xpath("//section//h3")[0]) == "Luật lao động 2"
    page(trainee, f"/t/lectures/{lecture['id']}/slide?module=LP-01&position=1", 422)  # not taught


def test_a_stale_or_missing_translation_falls_back_to_japanese_with_a_note(
    client: TestClient, signed_in: Any, world: World, decks: Path, tmp_path: Path
) -> None:
    # Vietnamese lacks module LP-04; then the master changes LP-02's second slide (stale).
    short = deckmaker.lecture("vi")[:3]
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    assert upload(client, deckmaker.build(tmp_path / "vi.pptx", short), "vi").status_code == 201
    publish(client, 1)
    assert upload(client, decks / "ja-revised.pptx", "ja").status_code == 201
    publish(client, 2)
    lecture = schedule(signed_in(world.staff_a), world, ["LP-02", "LP-04"])
    trainee = signed_in(world.trainee_a)
    signed_in(world.lecturer).post(f"/api/v1/lectures/{lecture['id']}/start")

    def shown(module: str, position: int) -> tuple[str, str, bool]:
        doc = page(
            trainee, f"/t/lectures/{lecture['id']}/slide?module={module}&position={position}"
        )
        (slide,) = doc.xpath("//section")
        notes = doc.xpath('//p[@class="note-fallback"]')
        if notes:
            # The trainee reads their own language (world's trainees read Vietnamese).
            assert text_of(notes[0]) == gettext("vi", "Not yet translated; shown in Japanese")
        return str(slide.get("lang")), text_of(slide.xpath(".//h3")[0]), bool(notes)

    assert shown("LP-02", 2) == ("ja", "入管法 1（改正）", True)  # stale: the master
    assert shown("LP-02", 3) == ("vi", "Luật xuất nhập cảnh 2", False)
    assert shown("LP-04", 2) == ("ja", "相談先 1", True)  # missing: the master


def test_poll_buttons_show_while_a_poll_is_open_and_a_second_answer_is_refused(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    lecturer.post(f"{base}/start")
    lecturer.post(f"{base}/slide", json={"module": "LP-02", "position": 4})
    closed = page(trainee, f"/t/lectures/{lecture['id']}")
    assert not closed.xpath("//button[@data-choice]")
    assert [text_of(li) for li in closed.xpath('//ol[@class="choices"]/li')] == [
        "A. Đúng 2",
        "B. Sai 2",
    ]

    poll = lecturer.post(f"{base}/poll").json()["poll"]
    doc = page(trainee, f"/t/lectures/{lecture['id']}")
    assert doc.xpath('//div[@class="poll"]/@data-poll') == [str(poll["id"])]
    buttons = doc.xpath("//button[@data-choice]")
    assert [(b.get("data-choice"), text_of(b)) for b in buttons] == [
        ("A", "A Đúng 2"),
        ("B", "B Sai 2"),
    ]
    assert doc.xpath('//div[@class="follow-slide"]/@data-key') == [f"LP-02|4|{poll['id']}"]
    # Nothing on the trainee's page gives the answer away.
    assert "answer: A" not in trainee.get(f"/t/lectures/{lecture['id']}").text

    answer = {"poll_id": poll["id"], "choice": "B"}
    assert trainee.post(f"{base}/answers", json=answer).status_code == 201
    sent = page(trainee, f"/t/lectures/{lecture['id']}")
    assert not sent.xpath("//button[@data-choice]")
    assert text_of(sent.xpath('//p[@class="sent"]')[0]) == f"✓ {gettext('vi', 'Answer sent')}: B"
    again = trainee.post(f"{base}/answers", json={**answer, "choice": "A"})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == gettext(
        "vi", "You have already answered this question."
    )

    # Closed: answers are locked, and each phone shows the key, its own choice and the
    # explanation, in the trainee's language.
    assert lecturer.delete(f"{base}/poll").status_code == 200
    after = page(trainee, f"/t/lectures/{lecture['id']}")
    assert not after.xpath("//button[@data-choice]")
    marked = after.xpath('//div[@class="poll-outcome"]//li')
    assert [(li.get("class"), text_of(li)) for li in marked] == [
        ("right", "A. Đúng 2 ✓"),
        ("wrong", "B. Sai 2 ✗"),
    ]
    assert text_of(after.xpath('//p[contains(@class, "result")]')[0]) == gettext("vi", "Incorrect")
    assert text_of(after.xpath('//p[@class="explanation"]')[0]) == "Giải thích 2"
    late = trainee.post(f"{base}/answers", json={**answer, "choice": "A"})
    assert late.status_code == 409


def test_a_trainee_of_another_cooperative_gets_the_refusal_page(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    outsider = signed_in(world.trainee_b)
    doc = page(outsider, f"/t/lectures/{lecture['id']}?lang=en", 404)
    assert text_of(doc.xpath('//p[@class="error"]')[0]) == "This lecture is not for your cohort."
    assert doc.xpath('//a[@href="/t"]')
    page(outsider, f"/t/lectures/{lecture['id']}/slide?lang=en", 404)
    joined = outsider.get(f"/t/lectures/join/{lecture['join_code']}?lang=en")
    assert joined.status_code == 404
    assert "This lecture is not for your cohort." in joined.text
    assert "LP-02" not in joined.text and "岡山国際交流センター" not in joined.text
    unknown = page(outsider, "/t/lectures/join/no-such-code?lang=en", 404)
    assert text_of(unknown.xpath('//p[@class="error"]')[0]) == "Lecture not found."


def test_the_qr_code_sends_a_signed_out_phone_through_the_pin_login_to_the_lecture(
    lecture: dict[str, Any], anonymous: TestClient, world: World
) -> None:
    join = f"/t/lectures/join/{lecture['join_code']}"
    first = anonymous.get(join, follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"/t/login?next={join}"

    login = page(anonymous, first.headers["location"])
    assert login.xpath('//form[@action="/t/login"]//input[@name="next"]/@value') == [join]
    code, pin = world.pins[world.trainee_a.id]
    signed = anonymous.post(
        "/t/login",
        data={"code": code, "pin": pin, "next": join, "csrf_token": form_token(login, "/t/login")},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == join
    there = anonymous.get(join)
    assert there.status_code == 200
    assert str(there.url).endswith(f"/t/lectures/{lecture['id']}")
    assert html.fromstring(there.text).xpath('//div[@id="follow"]')


def test_the_pin_login_never_sends_a_phone_to_another_site(
    anonymous: TestClient, world: World
) -> None:
    login = page(anonymous, "/t/login?next=//evil.example/x")
    assert not login.xpath('//input[@name="next"]')
    code, pin = world.pins[world.trainee_a.id]
    signed = anonymous.post(
        "/t/login",
        data={
            "code": code,
            "pin": pin,
            "next": "https://evil.example/",
            "csrf_token": form_token(login, "/t/login"),
        },
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/t"


def test_the_attendance_page_shows_minutes_and_keeps_the_roster(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, staff, trainee = (
        signed_in(world.lecturer),
        signed_in(world.staff_a),
        signed_in(world.trainee_a),
    )
    base = f"/api/v1/lectures/{lecture['id']}"
    sheet_url = f"/lectures/{lecture['id']}/attendance"
    lecturer.post(f"{base}/start")
    trainee.post(f"{base}/ping", json={})
    for _ in range(40):  # ten minutes of a visible page, a ping every 15 s
        clock.advance(15)
        trainee.post(f"{base}/ping", json={})
    lecturer.post(f"{base}/end")

    doc = page(lecturer, f"{sheet_url}?lang=en")
    (row,) = doc.xpath(f'//tr[@id="trainee-{world.trainee_a.id}"]')
    cells = [text_of(td) for td in row.xpath('td[@class="num"]')]
    assert cells == ["0", "10", "0", "0", "10"]  # training act, immigration, labour, other, total
    assert "phone" in text_of(row)
    assert "FAMILYA" in text_of(row) and "ZZCOOPB" not in text_of(doc)

    action = f"/lectures/{lecture['id']}/roster"
    tid = world.trainee_a.id
    staff_doc = page(staff, f"{sheet_url}?lang=en")
    # Nothing is pre-filled: a trainee without a mark has "no mark" chosen, not "present".
    (chosen,) = staff_doc.xpath(f'//select[@name="status-{tid}"]/option[@selected]')
    assert chosen.get("value") == ""
    form = {"trainee": [str(tid)], f"status-{tid}": "late", f"minutes-{tid}": "4"}
    form[f"reason-{tid}"] = "bus"
    assert staff.post(action, data=form, follow_redirects=False).status_code == 403  # no token
    saved = staff.post(
        action, data={**form, "csrf_token": form_token(staff_doc, action)}, follow_redirects=False
    )
    assert saved.status_code == 303
    (row,) = page(staff, f"{sheet_url}?lang=en").xpath(f'//tr[@id="trainee-{tid}"]')
    assert [text_of(td) for td in row.xpath('td[@class="num"]')] == ["0", "6", "0", "0", "6"]
    assert "roster" in text_of(row) and "late 4 min · bus" in text_of(row)

    # Only the lecturer confirms. The trainee was credited 6 of the 10 minutes taught: the
    # confirmation names them, and goes through only once the lecturer says they checked.
    assert not staff_doc.xpath(f'//form[@action="/lectures/{lecture["id"]}/confirm"]')
    confirm = f"/lectures/{lecture['id']}/confirm"
    doc = page(lecturer, f"{sheet_url}?lang=en")
    assert "FAMILYA VAN AN: Immigration Control Act 6 / 10 min" in text_of(
        doc.xpath('//ul[@class="shortfalls"]')[0]
    )
    token = form_token(doc, confirm)
    assert doc.xpath(f'//form[@action="{confirm}"]//input[@name="confirm"][@required]')
    unmeant = lecturer.post(
        confirm, data={"csrf_token": token, "acknowledge_shortfalls": "1"}, follow_redirects=False
    )
    assert unmeant.status_code == 428  # the box that says they mean it, left empty
    unacknowledged = lecturer.post(
        confirm, data={"csrf_token": token, "confirm": "true"}, follow_redirects=False
    )
    assert unacknowledged.status_code == 409
    meant = {"csrf_token": token, "acknowledge_shortfalls": "1", "confirm": "true"}
    confirmed = lecturer.post(confirm, data=meant, follow_redirects=False)
    assert confirmed.status_code == 303
    # A confirmation made by mistake can be undone at once, and is confirmed again.
    undo = f"/lectures/{lecture['id']}/unconfirm"
    mistaken = page(lecturer, f"{sheet_url}?lang=en")
    assert "Possible until" in text_of(mistaken)
    undone = lecturer.post(
        undo, data={"csrf_token": form_token(mistaken, undo)}, follow_redirects=False
    )
    assert undone.status_code == 303
    again = page(lecturer, f"{sheet_url}?lang=en")
    assert "A change now needs a reason" not in text_of(again)
    meant["csrf_token"] = form_token(again, confirm)
    assert lecturer.post(confirm, data=meant, follow_redirects=False).status_code == 303
    after = page(staff, f"{sheet_url}?lang=en")
    assert "A change now needs a reason" in text_of(after)
    history = f"/lectures/{lecture['id']}/attendance/{tid}/history"
    assert after.xpath(f'//a[@href="{history}"]')
    token = form_token(after, action)
    present = {"trainee": [str(tid)], f"status-{tid}": "present", "csrf_token": token}
    refused = staff.post(action, data=present)
    assert refused.status_code == 422
    assert "needs a reason" in text_of(
        html.fromstring(refused.text).xpath('//p[@class="error"]')[0]
    )
    fixed = staff.post(action, data={**present, f"reason-{tid}": "misread"}, follow_redirects=False)
    assert fixed.status_code == 303
    rows = page(staff, f"{history}?lang=en").xpath("//tbody/tr | //table/tr[td]")
    # The confirmation taken back stays in the history, superseded, like a correction.
    assert [[text_of(td) for td in r.xpath("td")][2] for r in rows] == ["6", "6", "10"]
    assert "misread" in text_of(rows[2])
    page(signed_in(world.staff_b), f"{sheet_url}?lang=en", 404)


def test_the_trainee_home_lists_lectures_and_modules_and_study_time(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    doc = page(signed_in(world.trainee_a), "/t?lang=en")
    assert doc.xpath(f'//a[@href="/t/lectures/{lecture["id"]}"]')
    links = doc.xpath('//ul[@class="study-modules"]//a/@href')
    assert links[:2] == ["/t/study/legal-protection/LP-01", "/t/study/legal-protection/LP-02"]
    assert "Self-study time: 0 min" in text_of(doc)
    assert "Self-study does not count toward the 8 hours of lectures." in text_of(doc)
    assert not page(signed_in(world.trainee_b), "/t?lang=en").xpath('//ul[@class="my-lectures"]')


def test_self_study_shows_the_module_and_answers_its_quiz(
    published: TestClient, signed_in: Any, world: World
) -> None:
    trainee = signed_in(world.trainee_a)
    response = trainee.get("/t/study/legal-protection/LP-02")
    assert response.status_code == 200
    assert "answer: A" not in response.text  # the speaker notes of a quiz hold its answer
    doc = html.fromstring(response.text)
    assert not doc.xpath('//li[@class="answer"]')  # nor is the right choice marked
    assert doc.get("lang") == "vi"
    slides = doc.xpath('//div[@id="study"]/section')
    assert [s.get("lang") for s in slides] == ["vi", "vi", "vi", "vi"]
    assert text_of(slides[1].xpath(".//h3")[0]) == "Luật xuất nhập cảnh 1"
    quiz = doc.xpath('//div[@class="study-quiz"]')[0]
    assert quiz.get("data-position") == "4"
    assert quiz.xpath(".//button/@data-choice") == ["A", "B"]
    assert text_of(quiz.xpath('.//template[@class="explanation"]')[0]) == "Giải thích 2"

    api = "/api/v1/study/legal-protection/modules/LP-02"
    right = trainee.post(f"{api}/quiz/4", json={"choice": "A"}).json()
    wrong = trainee.post(f"{api}/quiz/4", json={"choice": "B"}).json()
    assert (right["correct"], wrong["correct"]) == (True, False)
    for _ in range(9):  # two minutes on the page, a ping every 15 s
        assert trainee.post(f"{api}/ping", json={}).status_code == 200
        clock.advance(15)
    home = page(trainee, "/t?lang=en")
    assert "Self-study time: 2 min" in text_of(home)
    # The score in their history: the latest answer to each question counts, with its time.
    (score,) = home.xpath('//span[@data-module="LP-02"]')
    assert text_of(score).startswith("Quiz score: 0/1 · ")
    assert score.xpath("time/@datetime")[0].startswith(str(clock.now().year))
    assert not home.xpath('//span[@data-module="LP-01"]')  # no quiz answered there
    assert trainee.post(f"{api}/quiz/4", json={"choice": "A"}).status_code == 200
    score = page(trainee, "/t?lang=vi").xpath('//span[@data-module="LP-02"]')[0]
    assert text_of(score).startswith("Điểm bài kiểm tra: 1/1 · ")
    assert "full" in score.get("class")
    # Module titles in the trainee's course language, like the slides.
    assert "Luật xuất nhập cảnh" in text_of(home.xpath('//ul[@class="study-modules"]')[0])
    page(trainee, "/t/study/legal-protection/LP-99", 404)


def test_the_audience_view_shows_the_slide_the_join_code_and_a_closed_polls_chart(
    lecture: dict[str, Any], signed_in: Any, world: World
) -> None:
    lecturer, trainee = signed_in(world.lecturer), signed_in(world.trainee_a)
    base = f"/api/v1/lectures/{lecture['id']}"
    audience = f"/lectures/{lecture['id']}/audience"
    before = page(lecturer, f"{audience}?lang=en")
    (join,) = before.xpath('//aside[@id="join"]')
    assert join.get("hidden") is None and lecture["join_code"] in text_of(join)
    assert join.xpath(".//svg")  # the QR code trainees scan
    assert not before.xpath('//*[contains(@class, "notes")]')  # no speaker notes on screen
    page(signed_in(world.staff_a), audience, 403)  # the presenter opens it, no one else

    lecturer.post(f"{base}/start")
    lecturer.post(f"{base}/slide", json={"module": "LP-02", "position": 4})
    started = page(lecturer, f"{audience}?lang=en")
    assert started.xpath('//aside[@id="join"]')[0].get("hidden") is not None
    assert text_of(started.xpath('//section[@class="slide"]//h3')[0]) == "質問 2"
    poll = lecturer.post(f"{base}/poll").json()["poll"]
    assert (
        trainee.post(f"{base}/answers", json={"poll_id": poll["id"], "choice": "A"}).status_code
        == 201
    )
    fragment = f"/lectures/{lecture['id']}/audience-fragment?module=LP-02&position=4"
    assert not page(lecturer, fragment).xpath('//div[@class="results"]')  # open: no chart yet
    lecturer.delete(f"{base}/poll")
    shown = page(lecturer, fragment)
    rows = shown.xpath('//div[@class="results"]//div[contains(@class, "bar-row")]')
    counts = [(r.get("class"), text_of(r.xpath('span[@class="bar-count"]')[0])) for r in rows]
    assert counts == [("bar-row right", "1"), ("bar-row", "0")]
    assert text_of(shown.xpath('//p[@class="explanation"]')[0]) == "説明 2"
