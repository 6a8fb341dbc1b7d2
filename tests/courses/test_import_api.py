"""Importing decks through the HTTP API: reports, revisions, translations, staleness."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests import deckmaker
from tests.conftest import upload


def test_master_deck_creates_draft_revision_with_its_modules(
    client: TestClient, decks: Path
) -> None:
    response = upload(client, decks / "ja.pptx", "ja", note="初版", effective_date="2026-12-01")
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["status"] == "accepted"
    assert report["revision"] == 1
    assert report["revision_status"] == "draft"
    assert [(m["code"], m["title"], m["slides"]) for m in report["modules"]] == [
        ("LP-01", "技能実習制度", 4),
        ("LP-02", "入管法", 4),
        ("LP-03", "労働法", 4),
        ("LP-04", "相談先", 4),
    ]
    assert report["problems"] == []
    revision = client.get("/api/v1/courses/legal-protection/revisions/1").json()
    assert revision["change_note"] == "初版"
    assert revision["effective_date"] == "2026-12-01"
    assert [m["area"] for m in revision["modules"]] == [
        "training-act",
        "immigration",
        "labour",
        "protection",
    ]


def test_translation_is_aligned_and_marks_its_language_complete(
    client: TestClient, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    report = upload(client, decks / "vi.pptx", "vi").json()
    assert report["status"] == "accepted"
    assert report["revision"] == 1
    statuses = {item["language"]: item["status"] for item in report["languages"]}
    assert statuses["vi"] == "complete"
    assert statuses["en"] == "missing"
    slides = client.get(
        "/api/v1/courses/legal-protection/revisions/1/modules/LP-02?language=vi"
    ).json()["slides"]
    assert slides[1]["title"] == "Luật xuất nhập cảnh 1"
    assert not any(slide["fallback"] for slide in slides)


def test_translation_with_missing_slides_is_incomplete_and_falls_back(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    short = deckmaker.lecture("vi")
    short[2] = (short[2][0], short[2][1][:2])  # LP-03 lost its last two slides
    del short[3]  # LP-04 not translated at all
    report = upload(client, deckmaker.build(tmp_path / "vi-short.pptx", short), "vi").json()
    assert report["status"] == "accepted"
    codes = {(p["code"], p["module"]) for p in report["problems"]}
    assert ("align.missing-slides", "LP-03") in codes
    assert ("align.missing-module", "LP-04") in codes
    vi = next(item for item in report["languages"] if item["language"] == "vi")
    assert (vi["status"], vi["missing"], vi["current"]) == ("incomplete", 6, 10)
    slides = client.get(
        "/api/v1/courses/legal-protection/revisions/1/modules/LP-03?language=vi"
    ).json()["slides"]
    assert [slide["fallback"] for slide in slides] == [False, False, True, True]
    assert slides[2]["language"] == "ja"


def test_untranslated_and_extra_slides_are_reported(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    modules = deckmaker.lecture("vi")
    modules[0][1][1] = deckmaker.lecture("ja")[0][1][1]  # slide left in Japanese
    modules[1][1].append(deckmaker.S("Thêm", ["slide thừa"]))
    report = upload(client, deckmaker.build(tmp_path / "vi.pptx", modules), "vi").json()
    found = {(p["code"], p["module"], p["slide"]) for p in report["problems"]}
    assert ("align.untranslated", "LP-01", 2) in found
    assert ("align.extra-slide", "LP-02", 9) in found
    vi = next(item for item in report["languages"] if item["language"] == "vi")
    assert (vi["status"], vi["untranslated"]) == ("incomplete", 1)


def test_translation_before_any_master_is_rejected(client: TestClient, decks: Path) -> None:
    response = upload(client, decks / "vi.pptx", "vi")
    assert response.status_code == 422
    assert response.json()["problems"][-1]["code"] == "align.no-master"
    assert client.get("/api/v1/courses/legal-protection/revisions").json() == []


def test_new_master_makes_only_changed_slides_stale(client: TestClient, decks: Path) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    report = upload(client, decks / "ja-revised.pptx", "ja", note="入管法の改正").json()
    assert report["revision"] == 2
    assert report["stale_slides"] == [
        {"language": "vi", "module": "LP-02", "slide": 6, "reason": "changed"}
    ]
    vi = next(item for item in report["languages"] if item["language"] == "vi")
    assert (vi["status"], vi["stale"], vi["current"]) == ("stale", 1, 15)
    slides = client.get(
        "/api/v1/courses/legal-protection/revisions/2/modules/LP-02?language=vi"
    ).json()["slides"]
    assert [slide["state"] for slide in slides] == ["current", "stale", "current", "current"]
    # Uploading the new translation makes the language complete again for revision 2.
    report = upload(client, decks / "vi.pptx", "vi").json()
    assert report["revision"] == 2
    vi = next(item for item in report["languages"] if item["language"] == "vi")
    assert vi["status"] == "complete"


def test_inserted_master_slide_does_not_make_later_slides_stale(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    modules = deckmaker.lecture("ja")
    modules[0][1].insert(1, deckmaker.S("新しいスライド", ["追加された説明"]))
    report = upload(client, deckmaker.build(tmp_path / "ja3.pptx", modules), "ja").json()
    assert report["stale_slides"] == [
        {"language": "vi", "module": "LP-01", "slide": 2, "reason": "new"}
    ]
    vi = next(item for item in report["languages"] if item["language"] == "vi")
    assert (vi["status"], vi["missing"], vi["stale"]) == ("stale", 1, 0)


def test_publish_makes_revision_current_and_keeps_older_readable(
    client: TestClient, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    assert (
        client.post("/api/v1/courses/legal-protection/revisions/1/publish?confirm=true").status_code
        == 200
    )
    upload(client, decks / "ja-revised.pptx", "ja")
    course = client.get("/api/v1/courses/legal-protection").json()
    assert (course["published_revision"], course["latest_revision"]) == (1, 2)
    assert (
        client.post("/api/v1/courses/legal-protection/revisions/2/publish?confirm=true").json()[
            "status"
        ]
        == "published"
    )
    again = client.post("/api/v1/courses/legal-protection/revisions/2/publish?confirm=true")
    assert again.status_code == 409
    old = client.get("/api/v1/courses/legal-protection/revisions/1/modules/LP-02")
    assert old.status_code == 200
    assert old.json()["slides"][1]["title"] == "入管法 1"


def test_unknown_course_language_and_revision_answer_clearly(
    client: TestClient, decks: Path
) -> None:
    assert upload(client, decks / "ja.pptx", "ja", course="nope").status_code == 404
    response = upload(client, decks / "ja.pptx", "xx")
    assert response.status_code == 422
    assert "xx" in response.json()["error"]["message"]
    missing = client.get(
        "/api/v1/courses/legal-protection/revisions/9", headers={"Accept-Language": "ja"}
    )
    assert missing.status_code == 404
    assert "改訂" in missing.json()["error"]["message"] or "9" in missing.json()["error"]["message"]


def test_myanmar_deck_in_zawgyi_encoding_is_flagged(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    unicode_text = "အလုပ်ချိန် တစ်ရက် ၈ နာရီ"
    zawgyi_text = "အျပည္ျပည္ဆိုင္ရာ လူ႔အခြင့္အေရး ေၾကညာစာတမ္း"
    modules = deckmaker.lecture("en")
    modules[0][1][1] = deckmaker.S(unicode_text, [unicode_text])
    modules[0][1][2] = deckmaker.S(zawgyi_text, [zawgyi_text])
    report = upload(client, deckmaker.build(tmp_path / "my.pptx", modules), "my").json()
    assert report["status"] == "accepted"
    assert [(p["code"], p["slide"]) for p in report["problems"]] == [("text.zawgyi", 3)]
