"""The lecturers' pages, used through the HTTP client the way a browser would use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from lxml import html

from app.config import Settings
from app.http.csrf import COOKIE as CSRF_COOKIE
from tests import deckmaker
from tests.conftest import upload
from tests.pages import form_token, page, text_of

COURSE = "/courses/legal-protection"
REVISION_1 = f"{COURSE}/revisions/1"


def language_statuses(doc: html.HtmlElement) -> dict[str, str]:
    """{language: status badge} from a page's language table."""
    return {
        str(cell.get("lang")): str(
            cell.xpath("following-sibling::td[1]/span/@class")[0]
        ).removeprefix("badge ")
        for cell in doc.xpath("//tr/td[@lang][1]")
    }


def post_deck(
    client: TestClient, path: Path, language: str, token: str | None, query: str = "", **fields: str
) -> Any:
    """Submit the course page's upload form (``token`` None leaves the field out)."""
    data = {"language": language, **fields}
    if token is not None:
        data["csrf_token"] = token
    with path.open("rb") as handle:
        return client.post(
            f"{COURSE}/decks{query}",
            data=data,
            follow_redirects=False,
            files={"file": (path.name, handle, "application/octet-stream")},
        )


def short_deck(tmp_path: Path, language: str) -> Path:
    """A translation whose LP-03 lost its last two slides and whose LP-04 is missing."""
    modules = deckmaker.lecture(language)
    modules[2] = (modules[2][0], modules[2][1][:2])
    del modules[3]
    return deckmaker.build(tmp_path / f"{language}-short.pptx", modules)


def test_courses_page_lists_both_courses_in_japanese_until_english_is_chosen(
    client: TestClient,
) -> None:
    doc = page(client, "/courses")
    assert doc.get("lang") == "ja"
    links = {str(a.get("href")): text_of(a) for a in doc.xpath("//main//h2/a")}
    assert links == {
        "/courses/legal-protection": "法的保護情報講習",
        "/courses/ikusei-legal-protection": "法的保護情報講習（育成就労）",
    }
    assert text_of(doc.xpath("//header/nav/strong")[0]) == "日本語"

    english = page(client, "/courses?lang=en")
    assert english.get("lang") == "en"
    assert text_of(english.xpath("//h1")[0]) == "Courses"
    assert "Legal-protection lecture (Employment for Skill Development)" in text_of(english)
    # The choice is remembered for the next page, and can be switched back.
    assert page(client, COURSE).get("lang") == "en"
    assert page(client, f"{COURSE}?lang=ja").get("lang") == "ja"
    assert page(client, COURSE).get("lang") == "ja"


def test_root_sends_each_role_to_its_start_page(
    anonymous: TestClient, signed_in: Any, world: Any
) -> None:
    homes = {
        "nobody": anonymous.get("/", follow_redirects=False).headers["location"],
        "admin": signed_in(world.admin).get("/", follow_redirects=False).headers["location"],
        "lecturer": signed_in(world.lecturer).get("/", follow_redirects=False).headers["location"],
        "staff": signed_in(world.staff_a).get("/", follow_redirects=False).headers["location"],
        "trainee": signed_in(world.trainee_a).get("/", follow_redirects=False).headers["location"],
    }
    assert homes == {
        "nobody": "/login",
        "admin": "/cooperatives",
        "lecturer": "/courses",
        "staff": "/cohorts",
        "trainee": "/t",
    }


def test_course_page_shows_revisions_and_each_languages_status(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    empty = page(client, f"{COURSE}?lang=en")
    assert "No deck has been imported yet" in text_of(empty)
    assert language_statuses(empty) == {}

    upload(client, decks / "ja.pptx", "ja", note="初版")
    upload(client, decks / "vi.pptx", "vi")
    upload(client, short_deck(tmp_path, "en"), "en")
    doc = page(client, COURSE)
    statuses = language_statuses(doc)
    assert (statuses["ja"], statuses["vi"], statuses["en"]) == (
        "complete",
        "complete",
        "incomplete",
    )
    assert {statuses[tag] for tag in ("zh-Hans", "id", "fil", "th", "km", "my", "mn", "ne")} == {
        "missing"
    }
    (en_row,) = doc.xpath('//tr[td[@lang="en"]]')
    assert "10/16" in text_of(en_row)  # 10 current of 16 master slides, 6 missing
    revisions = doc.xpath(f'//a[@href="{REVISION_1}"]/ancestor::tr')
    assert len(revisions) == 1
    assert "初版" in text_of(revisions[0])
    assert revisions[0].xpath('.//span[@class="badge draft"]')

    upload(client, decks / "ja-revised.pptx", "ja", note="入管法の改正")
    doc = page(client, COURSE)
    statuses = language_statuses(doc)
    assert (statuses["ja"], statuses["vi"], statuses["en"]) == ("complete", "stale", "stale")
    (vi_row,) = doc.xpath('//tr[td[@lang="vi"]]')
    assert "15/16" in text_of(vi_row)
    rows = doc.xpath('//a[starts-with(@href, "/courses/legal-protection/revisions/")]/text()')
    assert rows == ["2", "1"]  # newest first
    assert doc.xpath(f'//a[@href="{COURSE}/diff?a=1&b=2"]')


def test_revision_page_lists_modules_with_area_and_text_thumbnails(
    client: TestClient, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    doc = page(client, f"{REVISION_1}?lang=en")
    cards = doc.xpath('//div[@class="card"][h3]')
    assert [text_of(card.xpath("h3")[0]) for card in cards] == [
        "LP-01 · 技能実習制度",
        "LP-02 · 入管法",
        "LP-03 · 労働法",
        "LP-04 · 相談先",
    ]
    assert "Area: Immigration Control Act" in text_of(cards[1])
    # No images were rendered (no LibreOffice here): each thumbnail is the slide's title.
    thumbs = cards[1].xpath('.//a[@class="thumb"]')
    assert [text_of(t.xpath('div[@class="no-image"]')[0]) for t in thumbs] == [
        "入管法",
        "入管法 1",
        "入管法 2",
        "質問 2",
    ]
    assert not cards[1].xpath(".//img")
    assert thumbs[1].get("href") == f"{REVISION_1}/modules/LP-02#slide-2"
    languages = cards[1].xpath('.//a[contains(@href, "?language=")]/@lang')
    assert languages == ["ja", "vi"]
    # Japanese UI: the area's Japanese name.
    assert "出入国管理及び難民認定法" in text_of(page(client, f"{REVISION_1}?lang=ja"))


def test_module_page_shows_the_translation_and_falls_back_to_the_master(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, short_deck(tmp_path, "vi"), "vi")
    doc = page(client, f"{REVISION_1}/modules/LP-03?language=vi&lang=en")
    slides = doc.xpath('//section[@class="slide"]')
    assert [s.get("lang") for s in slides] == ["vi", "vi", "ja", "ja"]
    assert "Luật lao động 1" in text_of(slides[1])
    assert "Giải thích 3.1" in text_of(slides[1])
    assert doc.xpath('//h1/span[@lang="vi"]/text()') == ["Luật lao động"]
    notes = [s.xpath('.//p[@class="note-fallback"]') for s in slides]
    assert [bool(n) for n in notes] == [False, False, True, True]
    assert "Not yet translated; shown in the master language." in text_of(notes[2][0])
    assert notes[2][0].get("lang") == "en"  # the note is UI text, not slide text
    assert "労働法 2" in text_of(slides[2])
    # A module with no translation at all is shown entirely in the master language.
    lp04 = page(client, f"{REVISION_1}/modules/LP-04?language=vi")
    assert {s.get("lang") for s in lp04.xpath('//section[@class="slide"]')} == {"ja"}
    assert lp04.xpath('//h1/span[@lang="ja"]/text()') == ["相談先"]
    # An unknown language shows the master rather than an error.
    assert page(client, f"{REVISION_1}/modules/LP-03?language=xx").xpath('//strong[@lang="ja"]')


def test_module_page_shows_a_slide_as_html_without_images(client: TestClient, decks: Path) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    doc = page(client, f"{REVISION_1}/modules/LP-02?language=vi")
    slide_2, slide_3, quiz = doc.xpath('//section[@class="slide"]')[1:]
    assert text_of(slide_2.xpath(".//h3")[0]) == "Luật xuất nhập cảnh 1"
    assert slide_2.xpath('.//div[@class="blocks"]/@lang') == ["vi"]
    assert [text_of(li) for li in slide_2.xpath(".//li")] == ["Giải thích 2.1", "Giải thích 2.2"]
    (src,) = slide_2.xpath(".//img/@src")
    assert src.startswith("/files/")
    assert client.get(src).headers["content-type"] == "image/png"
    assert text_of(slide_2.xpath('.//div[@class="notes"]')[0]) == "Giải thích notes 2"
    assert [text_of(c) for c in slide_3.xpath(".//table//th | .//table//td")] == [
        "A",
        "B",
        "Đúng 2",
        "¥1,047",
    ]
    # The quiz shows the master's answer.
    assert [text_of(li) for li in quiz.xpath('.//li[@class="answer"]')] == ["A. Đúng 2"]


def test_import_report_page_lists_problems(client: TestClient, tmp_path: Path, decks: Path) -> None:
    upload(client, decks / "ja.pptx", "ja")
    import_id = upload(client, short_deck(tmp_path, "vi"), "vi").json()["import_id"]
    doc = page(client, f"{COURSE}/imports/{import_id}?lang=en")
    assert "Import report: vi-short.pptx" in text_of(doc.xpath("//h1")[0])
    assert doc.xpath('//span[@class="badge accepted"]')
    assert "Slide images: unavailable" in text_of(doc)
    rows = [
        [text_of(td) for td in row.xpath("td")]
        for row in doc.xpath('//h2[.="Problems"]/following-sibling::div[1]//tbody/tr')
    ]
    assert [
        "warning",
        "LP-03",
        "",
        "2 slide(s) of the master are missing at the end of this module (master positions 3, 4).",
    ] in rows
    assert [
        "warning",
        "LP-04",
        "",
        "Module LP-04 of the master deck is missing from this translation.",
    ] in rows
    page(client, f"{COURSE}/imports/999", status=404)


def test_stale_slides_are_listed_on_the_report_of_a_new_master(
    client: TestClient, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    import_id = upload(client, decks / "ja-revised.pptx", "ja").json()["import_id"]
    doc = page(client, f"{COURSE}/imports/{import_id}?lang=en")
    rows = doc.xpath('//h2[.="Slides that need translation"]/following-sibling::div[1]//tr[td]')
    assert [[text_of(td) for td in row.xpath("td")] for row in rows] == [
        ["Vietnamese (Tiếng Việt)", "LP-02", "6", "master changed"],
    ]


def test_diff_page_shows_the_changed_text(client: TestClient, decks: Path) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "vi.pptx", "vi")
    upload(client, decks / "ja-revised.pptx", "ja")
    doc = page(client, f"{COURSE}/diff?a=1&b=2&lang=en")
    assert "added 0 · removed 0 · changed 1" in text_of(doc)
    (card,) = doc.xpath('//div[@class="card"]')
    assert text_of(card.xpath("h2")[0]).startswith("LP-02 · 入管法")
    assert card.xpath("h3/text()") == [
        "Japanese (日本語)"
    ]  # the carried-over translation did not change
    assert card.xpath("del/text() | div/del/text()")[0].startswith("入管法 1\n")
    assert card.xpath("div/ins/text()")[0].startswith("入管法 1（改正）\n")
    assert card.xpath('div[@lang="ja"]')
    same = page(client, f"{COURSE}/diff?a=1&b=1&lang=en")
    assert "No differences." in text_of(same)
    page(client, f"{COURSE}/diff?a=1&b=7", status=404)


def test_language_switch_keeps_the_pages_own_query(client: TestClient, decks: Path) -> None:
    upload(client, decks / "ja.pptx", "ja")
    upload(client, decks / "ja-revised.pptx", "ja")
    doc = page(client, f"{COURSE}/diff?a=1&b=2")
    (switch,) = doc.xpath('//header/nav/a[@lang="en"]/@href')
    assert switch == "?a=1&b=2&lang=en"
    english = page(client, f"{COURSE}/diff{switch}")
    assert english.get("lang") == "en"
    assert english.xpath('//header/nav/a[@lang="ja"]/@href') == ["?a=1&b=2&lang=ja"]


def test_upload_form_imports_a_deck_with_the_forms_csrf_token(
    client: TestClient, decks: Path
) -> None:
    token = form_token(page(client, COURSE), f"{COURSE}/decks")
    response = post_deck(
        client, decks / "ja.pptx", "ja", token, note="初版", effective_date="2026-12-01"
    )
    # Post/redirect/get: the report has its own address, so reloading it imports nothing.
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{COURSE}/imports/1"
    report = page(client, response.headers["location"] + "?lang=en")
    assert "Import report: ja.pptx" in text_of(report)
    assert report.xpath(f'//a[@href="{REVISION_1}"]')
    assert [text_of(td) for td in report.xpath("//tr/td[1]")] == [
        "LP-01",
        "LP-02",
        "LP-03",
        "LP-04",
    ]
    revision = client.get("/api/v1/courses/legal-protection/revisions/1").json()
    assert (revision["change_note"], revision["effective_date"]) == ("初版", "2026-12-01")

    # The token stays valid for further forms of the same browser.
    token = form_token(page(client, COURSE), f"{COURSE}/decks")
    assert post_deck(client, decks / "vi.pptx", "vi", token).status_code == 303
    assert language_statuses(page(client, COURSE))["vi"] == "complete"


def test_upload_form_shows_a_rejected_deck_and_saves_nothing(
    client: TestClient, decks: Path
) -> None:
    token = form_token(page(client, COURSE), f"{COURSE}/decks")
    response = post_deck(client, decks / "vi.pptx", "vi", token)
    assert response.status_code == 422
    doc = html.fromstring(response.text)
    assert doc.xpath('//span[@class="badge rejected"]')
    assert doc.xpath('//p[@class="error"]')
    assert "ja" in text_of(doc.xpath("//tbody/tr/td[4]")[-1])  # upload the ja master first
    assert client.get("/api/v1/courses/legal-protection/revisions").json() == []


@pytest.mark.parametrize("forgery", ["missing", "garbage", "other-key", "other-browser"])
def test_upload_form_refuses_a_missing_or_forged_csrf_token(
    client: TestClient, settings: Settings, decks: Path, forgery: str
) -> None:
    page(client, COURSE)  # the browser has its CSRF cookie
    nonce = client.cookies[CSRF_COOKIE]
    token = {
        "missing": None,
        "garbage": "not-a-token",
        "other-key": URLSafeSerializer("someone-elses-key", salt="csrf").dumps(nonce),
        "other-browser": URLSafeSerializer(settings.secret_key, salt="csrf").dumps("x" * 32),
    }[forgery]
    response = post_deck(client, decks / "ja.pptx", "ja", token)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    doc = html.fromstring(response.text)
    message = text_of(doc.xpath('//p[@class="error"]')[0])
    assert message  # a sentence, in the UI language, not a bare status code
    english = post_deck(client, decks / "ja.pptx", "ja", token, query="?lang=en")
    english_message = text_of(html.fromstring(english.text).xpath('//p[@class="error"]')[0])
    assert english_message == (
        "This form has expired or did not come from Koshu. Reload the page and try again."
    )
    assert client.get("/api/v1/courses/legal-protection/revisions").json() == []


def test_upload_form_refuses_a_browser_without_the_csrf_cookie(
    client: TestClient, decks: Path
) -> None:
    token = form_token(page(client, COURSE), f"{COURSE}/decks")
    client.cookies.delete("koshu_csrf")
    assert post_deck(client, decks / "ja.pptx", "ja", token).status_code == 403
    assert client.get("/api/v1/courses/legal-protection/revisions").json() == []


def test_publish_form_needs_the_csrf_token(client: TestClient, decks: Path) -> None:
    upload(client, decks / "ja.pptx", "ja")
    doc = page(client, REVISION_1)
    action = f"{REVISION_1}/publish"
    token = form_token(doc, action)

    refused = client.post(action, data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert client.post(action, follow_redirects=False).status_code == 403
    assert client.get("/api/v1/courses/legal-protection").json()["published_revision"] is None

    # The form first asks, on a page of its own (no script needed), what publishing means.
    asked = client.post(f"{action}?lang=en", data={"csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 200
    question = html.fromstring(asked.text)
    assert "Publish revision 1?" in text_of(question)
    assert client.get("/api/v1/courses/legal-protection").json()["published_revision"] is None
    (again,) = question.xpath(f'//form[@action="{action}"]')
    fields = {i.get("name"): i.get("value") for i in again.xpath(".//input[@type='hidden']")}
    assert fields["confirm"] == "true"
    assert question.xpath(f'//a[@href="{REVISION_1}"]')  # or back, nothing done
    response = client.post(action, data=fields, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, REVISION_1)
    published = page(client, REVISION_1)
    assert published.xpath('//h1/span[@class="badge published"]')
    assert not published.xpath(f'//form[@action="{action}"]')  # nothing left to publish
    assert client.get("/api/v1/courses/legal-protection").json()["published_revision"] == 1
    courses = page(client, "/courses")
    (card,) = courses.xpath('//div[@class="card"][.//a[@href="/courses/legal-protection"]]')
    assert card.xpath(".//strong/text()") == ["1"]

    again = client.post(action, data={"csrf_token": token}, follow_redirects=False)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html")


def test_error_pages_are_html_outside_the_api(client: TestClient, decks: Path) -> None:
    missing = page(client, "/courses/nope?lang=en", status=404)
    assert missing.get("lang") == "en"
    assert text_of(missing.xpath('//p[@class="error"]')[0]) == (
        "There is no course with the code nope."
    )
    assert missing.xpath('//a[@href="/courses"]')
    page(client, f"{REVISION_1}", status=404)
    page(client, "/no/such/page", status=404)
    upload(client, decks / "ja.pptx", "ja")
    page(client, f"{REVISION_1}/modules/LP-99", status=404)
    page(client, f"{COURSE}/imports/abc", status=422)
    page(client, f"{COURSE}/diff?a=1", status=422)
    # A form post without its file is a page too, naming the field.
    token = form_token(page(client, COURSE), f"{COURSE}/decks")
    response = client.post(f"{COURSE}/decks", data={"language": "ja", "csrf_token": token})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "file" in text_of(html.fromstring(response.text).xpath('//p[@class="error"]')[0])
    # The API keeps answering JSON.
    api = client.get("/api/v1/courses/nope")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "course-not-found"
