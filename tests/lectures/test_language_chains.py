"""What a trainee is shown is the law in force, along their language chain: self-study after
a revision changed a quiz's key, and a Khmer trainee when only an English deck exists."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.i18n import gettext
from app.lectures.models import AttendanceRecord
from tests import deckmaker
from tests.conftest import World, upload
from tests.pages import page, text_of

COURSE = "legal-protection"
KHMER_ROW = "SOK,DARA,ソク ダラ,KH,km,2001-02-03,Setouchi Zosen,K-001"


def publish(client: TestClient, number: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/courses/{COURSE}/revisions/{number}/publish?confirm=true")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wage_deck(path: Path, language: str, answer: str) -> Path:
    """The sample lecture whose LP-03 quiz asks Okayama's minimum wage (key ``answer``)."""
    modules = deckmaker.lecture(language)
    question = {"ja": "岡山県の最低賃金は？", "vi": "Lương tối thiểu ở Okayama là bao nhiêu?"}
    modules[2][1][3] = deckmaker.quiz(question[language], ["¥982", "¥1,047"], answer)
    return deckmaker.build(path, modules)


def test_self_study_after_a_revision_never_shows_or_scores_the_superseded_quiz(
    client: TestClient, signed_in: Any, world: World, tmp_path: Path
) -> None:
    # Revision 1: the wage is ¥982 (A), in Japanese and Vietnamese.
    assert upload(client, wage_deck(tmp_path / "ja1.pptx", "ja", "A"), "ja").status_code == 201
    assert upload(client, wage_deck(tmp_path / "vi1.pptx", "vi", "A"), "vi").status_code == 201
    publish(client, 1)
    trainee = signed_in(world.trainee_a)
    before = page(trainee, f"/t/study/{COURSE}/LP-03")
    assert before.xpath('//div[@id="study"]/section[4]/@lang') == ["vi"]
    # Revision 2: the wage became ¥1,047 (B); the Vietnamese quiz is now stale.
    assert upload(client, wage_deck(tmp_path / "ja2.pptx", "ja", "B"), "ja").status_code == 201
    changes = publish(client, 2)["changes"]
    assert (changes["from"], changes["to"], changes["summary"]["changed"]) == (1, 2, 1)
    (module,) = [m for m in changes["modules"] if m["status"] == "changed"]
    assert module["code"] == "LP-03"

    doc = page(trainee, f"/t/study/{COURSE}/LP-03")
    assert doc.xpath('//div[@id="study"]/@data-revision') == ["2"]
    (quiz,) = doc.xpath('//div[@id="study"]/section[4]')
    assert quiz.get("lang") == "ja"  # no current Vietnamese or English quiz: the master
    assert "岡山県の最低賃金は？" in text_of(quiz)
    assert "Lương tối thiểu" not in text_of(doc)
    assert text_of(quiz.xpath('.//p[@class="note-fallback"]')[0]) == gettext(
        "vi", "Not yet translated; shown in Japanese"
    )
    # The slides the revision did not change stay in Vietnamese.
    assert doc.xpath('//div[@id="study"]/section[2]/@lang') == ["vi"]

    studied = trainee.get(f"/api/v1/study/{COURSE}/modules/LP-03").json()
    assert (studied["revision"], studied["language"]) == (2, "vi")
    assert [(s["language"], s["fallback"]) for s in studied["slides"]] == [
        ("vi", False),
        ("vi", False),
        ("vi", False),
        ("ja", True),
    ]
    assert studied["slides"][3]["quiz"]["question"] == "岡山県の最低賃金は？"
    assert "answer" not in studied["slides"][3]["quiz"]  # the trainee view has no key

    api = f"/api/v1/study/{COURSE}/modules/LP-03/quiz/4"
    old_wage = trainee.post(api, json={"choice": "A", "revision": 2}).json()
    new_wage = trainee.post(api, json={"choice": "B", "revision": 2}).json()
    assert (old_wage["correct"], new_wage["correct"], new_wage["answer"]) == (False, True, "B")
    # A page opened before revision 2 was published cannot be scored against its key.
    stale_page = trainee.post(api, json={"choice": "A", "revision": 1})
    assert stale_page.status_code == 409
    assert stale_page.json()["error"]["code"] == "study-revision-changed"


def test_a_khmer_trainee_without_a_khmer_deck_gets_english_is_warned_about_and_recorded(
    client: TestClient,
    decks: Path,
    signed_in: Any,
    world: World,
    tmp_path: Path,
    session_factory: sessionmaker[Session],
) -> None:
    english = deckmaker.build(tmp_path / "en.pptx", deckmaker.lecture("en"))
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    assert upload(client, english, "en").status_code == 201
    publish(client, 1)
    staff = signed_in(world.staff_a)

    # Creating a Khmer cohort, and importing its list, warn and say what is shown instead.
    created = staff.post(
        "/api/v1/cohorts?lang=ja", json={"name": "2027年1月 カンボジア", "languages": ["km"]}
    )
    assert created.status_code == 201, created.text
    assert created.json()["fallback_languages"] == ["en"]
    khmer_warning = "クメール語: 翻訳がありません。英語で表示されます。"
    assert [w["message"] for w in created.json()["language_warnings"]] == [khmer_warning]
    csv = (
        "family name,given name,katakana,nationality,language,date of birth,employer,"
        f"trainee number\r\n{KHMER_ROW}\r\n"
    ).encode()
    imported = staff.post(
        f"/api/v1/cohorts/{created.json()['id']}/import?lang=ja",
        files={"file": ("trainees.csv", csv, "text/csv")},
        data={"create_employers": ["Setouchi Zosen"]},  # a new employer, created on purpose
    )
    assert imported.status_code == 200, imported.text
    assert [w["shown"] for w in imported.json()["language_warnings"]] == ["en"]
    (sok,) = staff.get(f"/api/v1/cohorts/{created.json()['id']}/trainees").json()
    assert sok["fallback_languages"] is None  # the cohort's chain

    # Cohort A takes Khmer, and its trainee reads it: the cohort page warns, the phone
    # shows English.
    cohort_a = f"/api/v1/cohorts/{world.cohort_a.id}"
    languages = staff.get(cohort_a).json()["languages"]
    assert staff.put(cohort_a, json={"languages": [*languages, "km"]}).status_code == 200
    khmer = staff.put(f"/api/v1/trainees/{world.trainee_a.id}", json={"preferred_language": "km"})
    assert khmer.status_code == 200
    assert khmer_warning in text_of(page(staff, f"/cohorts/{world.cohort_a.id}"))
    start = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    plan = {
        "lecturer_id": world.lecturer.id,
        "cohort_ids": [world.cohort_a.id],
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=2)).isoformat(),
        "modules": ["LP-02"],
    }
    # Scheduling warns too: nobody in the room speaks Khmer, and no Khmer deck exists.
    held = staff.post("/api/v1/lectures", json=plan)
    assert held.status_code == 409
    assert "language-without-deck" in {w["code"] for w in held.json()["error"]["warnings"]}
    lecture = staff.post("/api/v1/lectures", json={**plan, "acknowledge_warnings": True}).json()
    base = f"/api/v1/lectures/{lecture['id']}"
    lecturer, phone = signed_in(world.lecturer), signed_in(world.trainee_a)
    lecturer.post(f"{base}/start")
    lecturer.post(f"{base}/slide", json={"module": "LP-02", "position": 2})

    def shown() -> tuple[str, str]:
        doc = page(phone, f"/t/lectures/{lecture['id']}/slide?module=LP-02&position=2")
        (slide,) = doc.xpath("//section")
        return str(slide.get("lang")), text_of(slide.xpath(".//h3")[0])

    assert shown() == ("en", "Immigration law 1")
    note = text_of(
        page(phone, f"/t/lectures/{lecture['id']}").xpath('//p[@class="note-fallback"]')[0]
    )
    # (in the phone's own language, which the trainee set to Vietnamese)
    assert note == gettext(
        "vi", "No current translation; shown in {language}", language="Tiếng Anh (English)"
    )
    # A trainee's own chain wins over the cohort's; [] gives the cohort's back.
    assert staff.put(
        f"/api/v1/trainees/{world.trainee_a.id}", json={"fallback_languages": ["ja"]}
    ).json()["fallback_languages"] == ["ja"]
    assert shown() == ("ja", "入管法 1")
    # The cohort page warns about what this trainee sees, not only the cohort's chain.
    own_warning = "クメール語: 翻訳がありません。日本語で表示されます。"
    assert own_warning in text_of(page(staff, f"/cohorts/{world.cohort_a.id}"))
    staff.put(f"/api/v1/trainees/{world.trainee_a.id}", json={"fallback_languages": []})
    assert shown() == ("en", "Immigration law 1")
    bad = staff.put(f"/api/v1/trainees/{world.trainee_a.id}", json={"fallback_languages": ["xx"]})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "unknown-language")

    for _ in range(3):  # the phone followed for a while
        assert phone.post(f"{base}/ping", json={}).status_code == 200
        clock.advance(30)
    lecturer.post(f"{base}/end")
    confirmed = lecturer.post(
        f"{base}/confirm", json={"acknowledge_shortfalls": True, "confirm": True}
    )
    assert confirmed.status_code == 200, confirmed.text
    (row,) = [r for r in confirmed.json()["rows"] if r["trainee_id"] == world.trainee_a.id]
    assert row["language"] == "en"
    with session_factory() as session:
        (record,) = session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.trainee_id == world.trainee_a.id)
        )
        # Slide by slide: the English deck has every slide the lecture showed.
        assert record.slide_languages == {"LP-02/1": "en", "LP-02/2": "en"}
    workbook = load_workbook(
        io.BytesIO(staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/record.xlsx").content)
    )
    sheet = workbook["出席明細"]
    header = next(r for r in sheet.iter_rows() if r[0].value == "実施日")
    column = [c.value for c in header].index("受講言語")
    (detail,) = [r for r in sheet.iter_rows(min_row=header[0].row + 1) if r[column].value]
    assert detail[column].value == "英語（クメール語の翻訳なし）"
