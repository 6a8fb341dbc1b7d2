"""The live lecture end to end, in a real browser: a lecturer presents on a laptop, two
trainees follow on phones in Vietnamese and Khmer, answer a live poll; one phone's screen
goes to sleep for three minutes and the other loses the network for four, and both come
back; the Khmer trainee then leaves early, and the attendance sheet credits each the minutes
per statutory area the timeline implies, showing the bridged gaps.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) talks to the app served
by uvicorn in a child process on 127.0.0.1, against the database the fixtures seeded. Two
hours of lecture pass in seconds: the server's clock reads an offset file
(KOSHU_CLOCK_OFFSET_FILE) that the test moves forward in 50-second steps, and each phone pings
on both sides of every step, so presence stays continuous under the 60-second gap limit.

Screenshots go to $KOSHU_SCREENSHOT_DIR when set (else the test's tmp_path) to look at.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort
from app.cohorts.spreadsheet import TraineeRow
from app.config import Settings
from app.lectures.models import PresenceGap, PresenceInterval
from tests import deckmaker
from tests.conftest import PASSWORD, TEST_SECRET, World, upload

pytestmark = [pytest.mark.slow, pytest.mark.browser]

COURSE = "legal-protection"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
WAIT_MS = 10_000  # any single browser action or page load
FOLLOW_MS = 2_000  # phones follow the presenter within a second; allow two
STEP_SECONDS = 50  # one clock jump: below the 60 s presence gap limit, with room to spare

# The Khmer translation of deckmaker.lecture(): same modules, slides, quizzes and layouts.
KHMER = (
    "កម្មវិធីបណ្តុះបណ្តាលបច្ចេកទេស",  # technical training programme
    "ច្បាប់អន្តោប្រវេសន៍",  # immigration law
    "ច្បាប់ការងារ",  # labour law
    "កន្លែងពិគ្រោះយោបល់",  # where to get advice
    "ការពន្យល់",  # explanation
    "សំណួរ",  # question
    "ត្រឹមត្រូវ",  # right
    "ខុស",  # wrong
)
KHMER_TOPICS = {
    2: "កាតស្នាក់នៅ",  # residence card
    3: "ប្រាក់ឈ្នួលអប្បបរមា",  # minimum wage
}


def khmer_lecture() -> list[tuple[str, list[deckmaker.S]]]:
    words = KHMER
    modules = []
    for index, name in enumerate(words[:4], start=1):
        topic = KHMER_TOPICS.get(index, f"{words[4]} {index}.2")
        slides = [
            deckmaker.S(name, layout=deckmaker.SECTION_HEADER),
            deckmaker.S(
                f"{name} 1",
                [f"{words[4]} {index}.1", topic],
                notes=f"{words[4]} {index}",
                picture=deckmaker.png((index * 40, 80, 120)),
            ),
            deckmaker.S(
                f"{name} 2",
                [f"{words[4]} {index}.3"],
                table=[["A", "B"], [f"{words[6]} {index}", "¥1,047"]],
            ),
            deckmaker.quiz(
                f"{words[5]} {index}",
                [f"{words[6]} {index}", f"{words[7]} {index}"],
                "A",
                explanation=f"{words[4]} {index}",
            ),
        ]
        modules.append((f"LP-0{index} {name}", slides))
    return modules


# --- the browser and the server ---------------------------------------------------------


def _browser_or_skip() -> Any:
    """Playwright's sync API, or skip (fail where KOSHU_REQUIRE_BROWSER says it must run)."""

    def missing(reason: str) -> None:
        if os.environ.get("KOSHU_REQUIRE_BROWSER"):
            pytest.fail(f"{reason}, but KOSHU_REQUIRE_BROWSER is set")
        pytest.skip(reason)

    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed")
    try:
        from playwright import sync_api
    except ImportError:
        missing("the playwright package is not installed")
    return sync_api


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(settings: Settings, offset_file: Path, log: Path) -> Iterator[str]:
    """The app in a uvicorn child process, on this test's database and data folder."""
    port = _free_port()
    env = {
        **os.environ,
        "KOSHU_DATABASE_URL": settings.resolved_database_url,
        "KOSHU_DATA_DIR": str(settings.data_dir),
        "KOSHU_SECRET_KEY": TEST_SECRET,
        "KOSHU_ENVIRONMENT": "test",
        "KOSHU_RUN_WORKER": "false",
        "KOSHU_SOFFICE_PATH": "/nonexistent/soffice",
        "KOSHU_CLOCK_OFFSET_FILE": str(offset_file),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the app process exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the app process did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class ServerClock:
    """Moves the server's clock by rewriting its offset file (atomically: a half-written file
    would read as no offset, and the clock would jump back)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self._write()

    def _write(self) -> None:
        scratch = self.path.with_name(self.path.name + ".new")
        scratch.write_text(str(self.offset))
        os.replace(scratch, self.path)

    def advance(self, seconds: int) -> None:
        self.offset += seconds
        self._write()


# The page's own ping, sent on demand (with the page's device id, as its timer would).
PING = """async (lecture) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const device = window.sessionStorage.getItem('koshu-device');
  const response = await fetch('/api/v1/lectures/' + lecture + '/ping', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {'X-CSRF-Token': token, 'Content-Type': 'application/json'},
    body: JSON.stringify({leaving: false, device: device}),
  });
  return response.status;
}"""

# What the browser does when the screen goes to sleep or wakes: the page becomes hidden or
# visible, and says so with a visibilitychange event.
SET_VISIBILITY = """(hidden) => {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true, get: () => (hidden ? 'hidden' : 'visible'),
  });
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def _gaps(session_factory: sessionmaker[Session], lecture_id: int, trainee_id: int) -> int:
    """How many bridged gaps the trainee has, once one is written (within four seconds)."""
    deadline = time.monotonic() + 4
    while True:
        with session_factory() as session:
            count = len(
                session.scalars(
                    select(PresenceGap.id).where(
                        PresenceGap.lecture_id == lecture_id, PresenceGap.trainee_id == trainee_id
                    )
                ).all()
            )
        if count or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def _presence_closed(
    session_factory: sessionmaker[Session], lecture_id: int, trainee_id: int
) -> bool:
    """Whether the trainee's latest presence interval is closed, within five seconds."""
    deadline = time.monotonic() + 5
    while True:
        with session_factory() as session:
            closed = session.scalar(
                select(PresenceInterval.closed)
                .where(
                    PresenceInterval.lecture_id == lecture_id,
                    PresenceInterval.trainee_id == trainee_id,
                )
                .order_by(PresenceInterval.id.desc())
                .limit(1)
            )
        if closed or time.monotonic() > deadline:
            return bool(closed)
        time.sleep(0.1)


# --- the scenario ----------------------------------------------------------------------


def _seed(
    client: TestClient,
    world: World,
    session_factory: sessionmaker[Session],
    folder: Path,
) -> tuple[dict[str, Any], tuple[int, str, str]]:
    """Decks in ja, vi and km (revision 1 published), a Khmer-reading trainee in cohort A next
    to world.trainee_a (Vietnamese), and a lecture of LP-02 then LP-03 for cohort A."""
    decks = {
        "ja": deckmaker.build(folder / "ja.pptx", deckmaker.lecture("ja")),
        "vi": deckmaker.build(folder / "vi.pptx", deckmaker.lecture("vi")),
        "km": deckmaker.build(folder / "km.pptx", khmer_lecture()),
    }
    for language, path in decks.items():
        response = upload(client, path, language)
        assert response.status_code == 201, response.text
    published = client.post(f"/api/v1/courses/{COURSE}/revisions/1/publish?confirm=true")
    assert published.status_code == 200, published.text

    staff = Principal(
        user_id=world.staff_a.id,
        role="staff",
        cooperative_id=world.coop_a.id,
        display_name="test",
    )
    with session_factory() as session:
        cohort = session.get(Cohort, world.cohort_a.id)
        assert cohort is not None
        row = TraineeRow(
            row=3,
            family_name="SOK",
            given_name="DARA",
            name_katakana="ソック ダラ",
            nationality="KH",
            preferred_language="km",
            date_of_birth=date(2003, 2, 1),
            employer="",
            trainee_number="A-002",
        )
        trainee = cohorts.add_trainee(session, staff, cohort, row)
        ((_, code, pin),) = cohorts.issue_pins(session, staff, cohort.id, [trainee.id])
        session.commit()
        km_id = trainee.id

    start = datetime.now(UTC)
    response = client.post(
        "/api/v1/lectures",
        json={
            "lecturer_id": world.lecturer.id,
            "cohort_ids": [world.cohort_a.id],
            "scheduled_start": start.isoformat(),
            "scheduled_end": (start + timedelta(hours=3)).isoformat(),
            "modules": ["LP-02", "LP-03"],
            "venue": "岡山国際交流センター 3F",
            # Today, before the cohort's training period, and a Khmer trainee without a deck.
            "acknowledge_warnings": True,
        },
    )
    assert response.status_code == 201, response.text
    return response.json(), (km_id, code, pin)


def test_a_lecture_from_start_to_confirmed_sheet_in_real_browsers(
    client: TestClient,
    world: World,
    session_factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    sync_api = _browser_or_skip()
    expect = sync_api.expect
    lecture, (km_id, km_code, km_pin) = _seed(client, world, session_factory, tmp_path / "decks")
    lecture_id = lecture["id"]
    vi_code, vi_pin = world.pins[world.trainee_a.id]
    shots = Path(os.environ.get("KOSHU_SCREENSHOT_DIR") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    clock = ServerClock(tmp_path / "clock-offset")

    with ExitStack() as stack:
        url = stack.enter_context(_server(settings, clock.path, tmp_path / "server.log"))
        playwright = stack.enter_context(sync_api.sync_playwright())
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        stack.callback(browser.close)

        script_errors: list[str] = []

        def open_page(options: dict[str, Any], locale: str) -> Any:
            context = browser.new_context(base_url=url, locale=locale, **options)
            context.set_default_timeout(WAIT_MS)
            context.set_default_navigation_timeout(WAIT_MS)
            stack.callback(context.close)
            page = context.new_page()
            page.on("pageerror", lambda error: script_errors.append(f"{locale}: {error}"))
            page.on(  # shown with a failure
                "console",
                lambda m: m.type in ("error", "warning") and print(locale, m.type, m.text),
            )
            return page

        # The lecturer signs in through the form and opens the presenter's screen.
        laptop = open_page(LAPTOP, "en-US")
        laptop.on("dialog", lambda dialog: dialog.accept())  # "End the lecture?"
        laptop.goto("/login?lang=en")
        laptop.fill("#email", world.lecturer.email or "")
        laptop.fill("#password", PASSWORD)
        laptop.click("form[action='/login'] button[type=submit]")
        laptop.wait_for_url(re.compile(r"^(?!.*/login)"))
        laptop.goto(f"/lectures/{lecture_id}/present")
        expect(laptop.locator("#status")).to_have_text("Scheduled")

        # The audience view for the projector, opened from the presenter's screen: until the
        # lecture starts it shows the join QR code and code.
        with laptop.expect_popup() as opened:
            laptop.click("#audience-window")
        projector = opened.value
        projector.set_viewport_size({"width": 1920, "height": 1080})
        projector.on("pageerror", lambda error: script_errors.append(f"projector: {error}"))
        expect(projector.locator("#join")).to_be_visible()
        expect(projector.locator("#join .code")).to_have_text(lecture["join_code"])
        projector.screenshot(path=str(shots / "audience-before-start.png"))

        # The Vietnamese trainee signs in with the card's code and PIN, then opens the lecture;
        # the Khmer trainee scans the lecture's QR code and is sent through the same login.
        vi = open_page(PHONE, "vi-VN")
        vi.goto(f"/t/login?code={vi_code}")
        vi.fill("#pin", vi_pin)
        vi.click("form[action='/t/login'] button[type=submit]")
        vi.wait_for_url(f"{url}/t")
        vi.goto(f"/t/lectures/{lecture_id}")
        km = open_page(PHONE, "km-KH")
        km.goto(f"/t/lectures/join/{lecture['join_code']}")
        km.wait_for_url(re.compile(r"/t/login\?"))
        km.fill("#code", km_code)
        km.fill("#pin", km_pin)
        km.click("form[action='/t/login'] button[type=submit]")
        km.wait_for_url(f"{url}/t/lectures/{lecture_id}")
        phones = {"vi": vi, "km": km}
        for language, phone in phones.items():
            expect(phone.locator("html")).to_have_attribute("lang", language)
            expect(phone.locator("#status [data-when=scheduled]")).to_be_visible()

        present = {"vi": vi, "km": km}  # the phones still on the lecture's page

        def ping_all() -> None:
            for language, phone in present.items():
                status = phone.evaluate(PING, lecture_id)
                assert status == 200, f"{language} ping answered {status}"

        def lecture_steps(count: int) -> None:
            """Let ``count`` clock steps pass, every present phone pinging throughout."""
            ping_all()
            for _ in range(count):
                clock.advance(STEP_SECONDS)
                ping_all()

        def lecture_time(minutes: int) -> None:
            lecture_steps(minutes * 60 // STEP_SECONDS)

        def slide_shows(phone: Any, language: str, title: str) -> None:
            slide = phone.locator("#slide .follow-slide section.slide")
            expect(slide).to_have_attribute("lang", language, timeout=FOLLOW_MS)
            expect(slide.locator("h3")).to_have_text(title, timeout=FOLLOW_MS)

        def step(action: str) -> None:
            button = laptop.locator(f"button[data-action='{action}']")
            expect(button).to_be_enabled()
            button.click()

        def stage_title(title: str) -> None:
            expect(laptop.locator("#stage .stage-slide h3")).to_have_text(title)

        # Start: both phones show LP-02's first slide (its section title) in their language.
        step("start")
        expect(laptop.locator("#status")).to_have_text("Live")
        expect(projector.locator("#join")).to_be_hidden(timeout=FOLLOW_MS)
        expect(projector.locator("section.slide h3")).to_have_text("入管法", timeout=FOLLOW_MS)
        timeline = {"start": clock.offset}
        slide_shows(vi, "vi", "Luật xuất nhập cảnh")
        slide_shows(km, "km", KHMER[1])
        for phone in phones.values():
            expect(phone.locator("#status [data-when=live]")).to_be_visible(timeout=FOLLOW_MS)
            expect(phone.locator("#counter")).to_have_text("1 / 8", timeout=FOLLOW_MS)
        lecture_time(30)

        # Next: the phones follow to slide 2 of LP-02, bullets in their language.
        step("next")
        slide_shows(vi, "vi", "Luật xuất nhập cảnh 1")
        slide_shows(km, "km", f"{KHMER[1]} 1")
        stage_title("入管法 1")
        expect(vi.locator("#slide li")).to_have_text(["Giải thích 2.1", "Giải thích 2.2"])
        expect(km.locator("#slide li")).to_have_text([f"{KHMER[4]} 2.1", KHMER_TOPICS[2]])
        for language, phone in phones.items():
            expect(phone.locator("#counter")).to_have_text("2 / 8", timeout=FOLLOW_MS)
            phone.screenshot(path=str(shots / f"phone-{language}-slide.png"))

        # The quiz slide, then a live poll: the choices on each phone in its language.
        step("next")
        stage_title("入管法 2")
        step("next")
        stage_title("質問 2")
        slide_shows(vi, "vi", "Câu hỏi 2")
        slide_shows(km, "km", f"{KHMER[5]} 2")
        laptop.select_option("#poll-seconds", "90")  # a countdown, shown on every screen
        step("poll-open")
        expect(laptop.locator("#poll")).to_be_visible()
        counting = re.compile(r"^⏱ 1:[0-3]\d$")
        expect(laptop.locator("#poll-countdown")).to_have_text(counting)
        expect(projector.locator("#countdown")).to_have_text(counting, timeout=FOLLOW_MS)
        projector.screenshot(path=str(shots / "audience-poll-countdown.png"))
        answers = {
            "vi": ["A Đúng 2", "B Sai 2"],
            "km": [f"A {KHMER[6]} 2", f"B {KHMER[7]} 2"],
        }
        for language, phone in phones.items():
            buttons = phone.locator("#slide .poll button[data-choice]")
            expect(buttons).to_have_text(answers[language], timeout=FOLLOW_MS)
            expect(buttons.first.locator(".text")).to_have_attribute("lang", language)
            expect(phone.locator("#slide .poll .countdown")).to_have_text(counting)
            phone.screenshot(path=str(shots / f"phone-{language}-poll.png"))
        vi.click("#slide .poll button[data-choice='A']")
        km.click("#slide .poll button[data-choice='B']")
        for phone in phones.values():
            expect(phone.locator("#slide .poll-message.sent")).to_contain_text("✓")
        bars = laptop.locator("#poll-bars .bar-row")
        expect(bars.locator(".bar-label")).to_have_text(["A", "B"], timeout=3_000)
        expect(bars.locator(".bar-count")).to_have_text(["1", "1"], timeout=3_000)
        expect(laptop.locator("#poll-count")).to_have_text("2 answered")
        laptop.screenshot(path=str(shots / "presenter-poll.png"))
        step("poll-close")
        expect(laptop.locator("#poll-bars .bar-row.right .bar-label")).to_have_text("A")
        expect(projector.locator("#countdown")).to_be_hidden(timeout=FOLLOW_MS)
        # Closed: every phone shows the right answer and the explanation in its language, and
        # the projector shows the chart with the explanation.
        explained = {"vi": "Giải thích 2", "km": f"{KHMER[4]} 2"}
        verdict = {"vi": "Correct", "km": "Incorrect"}
        for language, phone in phones.items():
            outcome = phone.locator("#slide .poll-outcome")
            expect(outcome.locator("li.right")).to_contain_text("A", timeout=FOLLOW_MS)
            expect(outcome.locator(".explanation")).to_have_text(explained[language])
            expect(outcome.locator(".result")).to_have_class(
                re.compile("right" if verdict[language] == "Correct" else "wrong")
            )
            phone.screenshot(path=str(shots / f"phone-{language}-poll-closed.png"))
        expect(projector.locator(".results .bar-row.right .bar-count")).to_have_text(
            "1", timeout=FOLLOW_MS
        )
        expect(projector.locator(".results .explanation")).to_have_text("説明 2")
        projector.screenshot(path=str(shots / "audience-poll-closed.png"))
        lecture_time(10)

        # The Vietnamese phone's screen sleeps for over three minutes: its page is hidden
        # and sends nothing. The presenter sees it asleep; when the screen wakes, the page
        # pings at once and the quiet stretch becomes a bridged gap.
        vi.evaluate(SET_VISIBILITY, True)
        del present["vi"]
        lecture_steps(5)  # 4 min 10 s
        expect(laptop.locator("#room-list .room-asleep")).to_contain_text("FAMILYA", timeout=12_000)
        vi.evaluate(SET_VISIBILITY, False)
        present["vi"] = vi
        assert _gaps(session_factory, lecture_id, world.trainee_a.id) == 1, "no bridged gap"
        lecture_steps(19)  # the module's 30 minutes: 12 + 5 + 19 steps of 50 s

        # Next: LP-03 (labour laws) starts on every screen.
        step("next")
        timeline["labour"] = clock.offset
        slide_shows(vi, "vi", "Luật lao động")
        slide_shows(km, "km", KHMER[2])
        stage_title("労働法")
        expect(laptop.locator(".area-timer.now")).to_have_attribute("data-area", "labour")
        lecture_time(10)

        # The Khmer phone loses the network for four minutes, then it comes back: the page
        # pings as soon as it is online again, and that gap is bridged too.
        km.context.set_offline(True)
        del present["km"]
        lecture_steps(5)
        km.context.set_offline(False)
        present["km"] = km
        assert _gaps(session_factory, lecture_id, km_id) == 1, "no bridged gap after the outage"
        lecture_steps(19)

        # The Khmer trainee leaves early; the lecture goes on for 30 minutes without them.
        km.goto("/t")
        del present["km"]
        # Leaving the page sent "leaving" (a keepalive ping on pagehide): presence is closed.
        assert _presence_closed(session_factory, lecture_id, km_id), "no leaving ping arrived"
        time.sleep(1)  # nothing the left page still sends may reopen it
        assert _presence_closed(session_factory, lecture_id, km_id), (
            "presence reopened after leaving"
        )
        timeline["km_left"] = clock.offset
        lecture_time(30)

        step("end")
        expect(laptop.locator("#status")).to_have_text("Ended")
        timeline["end"] = clock.offset
        expect(vi.locator("#status [data-when=ended]")).to_be_visible(timeout=FOLLOW_MS)

        # The attendance sheet: minutes per area as the timeline implies (a minute more at
        # most, for the real seconds the test took between clock steps).
        laptop.click("#to-sheet")
        laptop.wait_for_url(f"{url}/lectures/{lecture_id}/attendance")
        immigration = (timeline["labour"] - timeline["start"]) // 60
        labour = (timeline["end"] - timeline["labour"]) // 60
        km_labour = (timeline["km_left"] - timeline["labour"]) // 60
        assert (immigration, labour, km_labour) == (60, 60, 30)
        expected = {
            world.trainee_a.id: {"immigration": immigration, "labour": labour},
            km_id: {"immigration": immigration, "labour": km_labour},
        }
        areas = laptop.locator("table.attendance thead th.num").all_inner_texts()
        assert areas == [
            "Technical Intern Training Act and program rules",
            "Immigration Control Act",
            "Labour laws",
            "Other information needed for protection",
            "Total",
        ]
        rows = laptop.locator("table.attendance tbody tr")
        expect(rows).to_have_count(2)
        found: dict[int, dict[str, int]] = {}
        for row in rows.all():
            trainee_id = int((row.get_attribute("id") or "").removeprefix("trainee-"))
            cells = [int(c) for c in row.locator("td.num").all_inner_texts()]
            columns = ["training-act", "immigration", "labour", "protection", "total"]
            found[trainee_id] = dict(zip(columns, cells, strict=True))
            assert "phone" in row.inner_text()
            # Each trainee's quiet phone shows as a bridged gap, credited but to be checked.
            assert "credited, to check" in row.locator(".gap").inner_text()
        for key, want in expected.items():
            got = found[key]
            for area, minutes in want.items():
                assert minutes <= got[area] <= minutes + 1, (key, area, got, want)
            assert got["training-act"] == got["protection"] == 0
            assert got["total"] == got["immigration"] + got["labour"]
        taught = laptop.locator(".card table").first.locator("tr:has(td)")
        taught_minutes = {
            t: int(m.split()[0])
            for t, m in (r.locator("td").all_inner_texts()[:2] for r in taught.all())
        }
        assert immigration <= taught_minutes["Immigration Control Act"] <= immigration + 1
        assert labour <= taught_minutes["Labour laws"] <= labour + 1

        # The lecturer confirms the sheet: the Khmer trainee left early, so the form lists
        # them as short and asks the lecturer to say they have checked.
        expect(laptop.locator("ul.shortfalls li")).to_have_count(1)
        expect(laptop.locator("ul.shortfalls")).to_contain_text("SOK DARA")
        laptop.check("form.confirm input[name=acknowledge_shortfalls]")
        laptop.check("form.confirm input[name=confirm]")
        laptop.click("form.confirm button[type=submit]")
        laptop.wait_for_url(re.compile(rf"/lectures/{lecture_id}/attendance\?saved=1"))
        expect(laptop.locator("p.flash", has_text="Confirmed on")).to_be_visible()
        expect(laptop.locator("form.confirm")).to_have_count(0)
        laptop.screenshot(path=str(shots / "presenter-attendance.png"), full_page=True)
        assert script_errors == []  # no page's script failed along the way

    confirmed = client.get(f"/api/v1/lectures/{lecture_id}").json()["confirmed_at"]
    assert confirmed is not None
