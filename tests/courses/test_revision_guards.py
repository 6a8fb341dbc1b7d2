"""Guards on courses and revisions: courses chosen by name, a deck held when it fits another
course, publishing refused while a module has no statutory area, drafts discarded, and every
import, publish and discard in the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.courses.models import DeckImport
from app.files.models import Blob
from tests.conftest import World, koshu, upload
from tests.pages import form_token, page, text_of

TITP, IKUSEI = "legal-protection", "ikusei-legal-protection"
JA = {"Accept-Language": "ja"}


def audit_log(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, entity, changes) of the course entries, oldest first."""
    entries = client.get("/api/v1/audit").json()
    return [
        (e["action"], e["entity"], e["changes"])
        for e in reversed(entries)
        if e["entity"] in ("deck", "revision")
    ]


def test_courses_are_chosen_by_name_with_their_program_the_one_in_force_first(
    client: TestClient, signed_in: Any, world: World
) -> None:
    courses = client.get("/api/v1/courses", headers=JA).json()
    assert [c["code"] for c in courses] == [TITP, IKUSEI]
    assert [(c["label"], c["in_force"]) for c in courses] == [
        ("法的保護情報講習・技能実習制度", True),
        ("法的保護情報講習（育成就労）・育成就労制度・2027-04-01施行", False),
    ]
    listed = page(client, "/courses")
    assert [text_of(a) for a in listed.xpath("//main//h2/a")] == [
        "法的保護情報講習",
        "法的保護情報講習（育成就労）",
    ]
    assert "titp" not in text_of(listed) and "ikusei-shuro" not in text_of(listed)
    assert "育成就労制度 · 施行日 2027-04-01 未施行" in text_of(listed)
    cohort_form = page(signed_in(world.staff_a), "/cohorts")
    assert [text_of(o) for o in cohort_form.xpath('//select[@name="course_code"]/option')] == [
        "法的保護情報講習・技能実習制度",
        "法的保護情報講習（育成就労）・育成就労制度・2027-04-01施行",
    ]


def test_a_titp_deck_uploaded_to_the_ikusei_course_is_held_until_confirmed(
    client: TestClient, decks: Path
) -> None:
    held = upload(client, decks / "ja.pptx", "ja", course=IKUSEI, headers=JA)
    assert held.status_code == 409
    error = held.json()["error"]
    assert error["code"] == "course-mismatch"
    assert "「法的保護情報講習」（技能実習制度）" in error["message"]
    assert "LP-01, LP-02, LP-03, LP-04" in error["message"]
    assert "confirm=true" in error["message"]
    assert client.get(f"/api/v1/courses/{IKUSEI}/revisions").json() == []

    # The page holds it too, and offers to confirm.
    course = page(client, f"/courses/{IKUSEI}")
    with (decks / "ja.pptx").open("rb") as handle:
        form = client.post(
            f"/courses/{IKUSEI}/decks",
            data={"language": "ja", "csrf_token": form_token(course, f"/courses/{IKUSEI}/decks")},
            files={"file": ("ja.pptx", handle, "application/octet-stream")},
        )
    assert form.status_code == 409
    assert "技能実習制度" in form.text
    assert 'name="confirm"' in form.text
    assert client.get(f"/api/v1/courses/{IKUSEI}/revisions").json() == []

    confirmed = upload(client, decks / "ja.pptx", "ja", course=IKUSEI, confirm="true")
    assert confirmed.status_code == 201, confirmed.text
    # Its sections are not the ikusei course's: it cannot be published as it is...
    refused = client.post(f"/api/v1/courses/{IKUSEI}/revisions/1/publish", headers=JA)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "unmapped-modules"
    assert "LP-01, LP-02, LP-03, LP-04" in refused.json()["error"]["message"]
    revision_page = page(client, f"/courses/{IKUSEI}/revisions/1")
    assert revision_page.xpath('//form[contains(@action, "/publish")]//button[@disabled]')
    # ...and the draft is discarded instead.
    unconfirmed = client.delete(f"/api/v1/courses/{IKUSEI}/revisions/1")
    assert unconfirmed.status_code == 428  # a discard cannot be undone: nothing yet
    assert len(client.get(f"/api/v1/courses/{IKUSEI}/revisions").json()) == 1
    assert client.delete(f"/api/v1/courses/{IKUSEI}/revisions/1?confirm=true").status_code == 204
    assert client.get(f"/api/v1/courses/{IKUSEI}/revisions").json() == []
    assert [(action, entity) for action, entity, _ in audit_log(client)] == [
        ("import", "deck"),
        ("discard", "revision"),
    ]
    assert audit_log(client)[0][2]["confirmed_course"] is True


def test_publishing_shows_the_changes_and_a_published_revision_is_never_discarded(
    client: TestClient, decks: Path, session_factory: sessionmaker[Session]
) -> None:
    assert upload(client, decks / "ja.pptx", "ja").status_code == 201
    first = client.post(f"/api/v1/courses/{TITP}/revisions/1/publish?confirm=true")
    assert (first.status_code, first.json()["changes"]) == (200, None)
    assert upload(client, decks / "ja-revised.pptx", "ja").status_code == 201
    draft = page(client, f"/courses/{TITP}/revisions/2")
    changes = text_of(draft.xpath('//div[@class="changes"]')[0])
    assert "公開すると改訂 1 から変わる内容" in changes
    assert "追加されたスライド: 0 · 削除: 0 · 変更: 1" in changes
    assert "LP-02" in changes and "LP-01" not in changes

    assert client.delete(f"/api/v1/courses/{TITP}/revisions/1", headers=JA).status_code == 409
    with session_factory() as session:
        revised_file = session.scalar(
            select(DeckImport.file_sha256).where(DeckImport.filename == "ja-revised.pptx")
        )
    # The page's discard button; the draft's deck file is no longer needed, its pictures are.
    token = form_token(draft, f"/courses/{TITP}/revisions/2/discard")
    asked = client.post(f"/courses/{TITP}/revisions/2/discard", data={"csrf_token": token})
    assert asked.status_code == 200  # the confirmation page: nothing discarded yet
    assert "元には戻せません" in asked.text
    assert len(client.get(f"/api/v1/courses/{TITP}/revisions").json()) == 2
    response = client.post(
        f"/courses/{TITP}/revisions/2/discard",
        data={"csrf_token": token, "confirm": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert [r["number"] for r in client.get(f"/api/v1/courses/{TITP}/revisions").json()] == [1]
    with session_factory() as session:
        assert session.get(Blob, revised_file) is None
        kept = session.scalar(
            select(DeckImport.file_sha256).where(DeckImport.filename == "ja.pptx")
        )
        assert session.get(Blob, kept) is not None
    assert [(a, e, c.get("revision")) for a, e, c in audit_log(client)] == [
        ("import", "deck", 1),
        ("publish", "revision", 1),
        ("import", "deck", 2),
        ("discard", "revision", 2),
    ]


def test_the_command_line_holds_a_deck_of_another_course_too(
    settings: Settings, decks: Path
) -> None:
    args = ("import", str(decks / "ja.pptx"), "--course", IKUSEI, "--language", "ja")
    held = koshu(settings, *args)
    assert held.returncode == 1
    assert "its sections LP-01, LP-02, LP-03, LP-04 are that course's" in held.stderr
    assert koshu(settings, *args, "--confirm").returncode == 0
