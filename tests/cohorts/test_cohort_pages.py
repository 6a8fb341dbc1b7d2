"""Cooperative staff's cohort pages, used through the HTTP client the way a browser would."""

from __future__ import annotations

import re
from typing import Any

import segno
from fastapi.testclient import TestClient
from lxml import html

from app.http.rendering import STATIC_DIR
from app.i18n import gettext
from tests.conftest import MARKER_B, World, login_trainee
from tests.pages import form_token, page, text_of

HEADINGS = (
    "family name,given name,katakana,nationality,language,date of birth,employer,trainee number"
)
NGUYEN = "NGUYEN,VAN AN,グエン ヴァン アン,Vietnam,Vietnamese,2003-04-12,Momotaro Seiko,T-001"
TRAN = "TRAN,THI HOA,チャン ティ ホア,VN,vi,2002-09-03,Momotaro Seiko,T-002"
SOK_BAD_DATE = "SOK,DARA,ソク ダラ,KH,km,2001-02-30,Setouchi Zosen,T-003"


def trainee_csv(*rows: str) -> bytes:
    """A trainee list as Excel saves "CSV UTF-8": with a byte-order mark and CRLF lines."""
    return ("\ufeff" + "\r\n".join([HEADINGS, *rows]) + "\r\n").encode("utf-8")


def post_import(
    client: TestClient, cohort_id: int, data: bytes, token: str | None, **fields: str
) -> Any:
    form: dict[str, Any] = {"create_employers": ["Momotaro Seiko", "Setouchi Zosen"], **fields}
    if token is not None:
        form["csrf_token"] = token
    return client.post(
        f"/cohorts/{cohort_id}/import?lang=en",
        data=form,
        files={"file": ("trainees.csv", data, "text/csv")},
        follow_redirects=False,
    )


def import_token(client: TestClient, cohort_id: int) -> str:
    return form_token(page(client, f"/cohorts/{cohort_id}/import"), f"/cohorts/{cohort_id}/import")


def report_facts(doc: html.HtmlElement) -> dict[str, str]:
    """{label: value} of the import report's summary."""
    return {
        text_of(item.xpath("dt")[0]): text_of(item.xpath("dd")[0])
        for item in doc.xpath('//div[contains(@class, "report")]//dl[@class="facts"]/div')
    }


def trainee_numbers(client: TestClient, cohort_id: int) -> list[str]:
    trainees = client.get(f"/api/v1/cohorts/{cohort_id}/trainees").json()
    return [t["trainee_number"] for t in trainees]


def print_cards(client: TestClient, cohort_id: int) -> Any:
    token = form_token(page(client, f"/cohorts/{cohort_id}"), f"/cohorts/{cohort_id}/cards")
    return client.post(
        f"/cohorts/{cohort_id}/cards?lang=en", data={"csrf_token": token}, follow_redirects=False
    )


def printed_cards(response: Any) -> dict[str, str]:
    """{login code: PIN} of a printed card page."""
    doc = html.fromstring(response.text)
    return {
        text_of(card.xpath('.//dd[@class="code"]')[0]): text_of(
            card.xpath('.//dd[@class="pin-value"]')[0]
        )
        for card in doc.xpath('//article[@class="login-card"]')
    }


def media_block(css: str, media: str) -> str:
    """The rules inside ``@media <media> { ... }`` of a stylesheet (braces matched)."""
    start = css.index(f"@media {media} {{") + len(f"@media {media} {{")
    depth = 1
    for position in range(start, len(css)):
        depth += {"{": 1, "}": -1}.get(css[position], 0)
        if depth == 0:
            return css[start:position]
    raise AssertionError(f"@media {media} is not closed")


def test_staff_create_a_cohort_with_the_form(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    doc = page(staff, "/cohorts?lang=en")
    listed = [text_of(a) for a in doc.xpath("//main//table/tbody//a")]
    assert listed == ["Cohort A"]  # and not coop B's
    assert not doc.xpath('//select[@name="cooperative_id"]')  # staff: always their own
    assert len(doc.xpath('//input[@type="checkbox"][@name="languages"]')) == 11

    response = staff.post(
        "/cohorts",
        data={
            "csrf_token": form_token(doc, "/cohorts"),
            "name": "2027 January intake",
            "arrival_date": "2027-01-10",
            "training_start": "2027-01-12",
            "training_end": "2027-02-10",
            "work_start": "2027-02-15",
            "languages": ["vi", "km"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cohort_id = int(re.fullmatch(r"/cohorts/(\d+)\?saved=1", response.headers["location"])[1])
    created = staff.get(f"/api/v1/cohorts/{cohort_id}").json()
    assert (created["cooperative_id"], created["languages"]) == (world.coop_a.id, ["vi", "km"])
    assert (created["training_start"], created["work_start"]) == ("2027-01-12", "2027-02-15")
    shown = page(staff, response.headers["location"] + "&lang=en")
    assert text_of(shown.xpath("//h1")[0]) == "2027 January intake"
    assert "Saved." in text_of(shown)
    assert "2027-01-12 – 2027-02-10" in text_of(shown)
    assert "No trainees yet" in text_of(shown)


def test_the_cohort_form_shows_a_domain_error_and_keeps_what_was_typed(
    signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    token = form_token(page(staff, "/cohorts"), "/cohorts")
    response = staff.post(
        "/cohorts?lang=en",
        data={
            "csrf_token": token,
            "name": "Backwards",
            "training_start": "2027-02-10",
            "training_end": "2027-01-12",
            "languages": ["vi"],
        },
    )
    assert response.status_code == 422
    doc = html.fromstring(response.text)
    assert "the training ends before it starts" in text_of(doc.xpath('//p[@class="error"]')[0])
    assert doc.xpath('//input[@name="name"]/@value') == ["Backwards"]
    assert doc.xpath('//input[@name="languages"][@checked]/@value') == ["vi"]
    taken = staff.post("/cohorts", data={"csrf_token": token, "name": "Cohort A"})
    assert taken.status_code == 409
    assert [c["name"] for c in staff.get("/api/v1/cohorts").json()] == ["Cohort A"]


def test_admin_chooses_the_cooperative_of_a_new_cohort(client: TestClient, world: World) -> None:
    doc = page(client, "/cohorts")
    options = doc.xpath('//select[@name="cooperative_id"]/option/@value')
    assert sorted(options) == sorted([str(world.coop_a.id), str(world.coop_b.id)])
    response = client.post(
        "/cohorts",
        data={
            "csrf_token": form_token(doc, "/cohorts"),
            "name": "B 2027",
            "cooperative_id": str(world.coop_b.id),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    cohort_id = int(response.headers["location"].split("/")[2].split("?")[0])
    assert client.get(f"/api/v1/cohorts/{cohort_id}").json()["cooperative_id"] == world.coop_b.id
    listing = page(client, "/cohorts")
    assert MARKER_B in text_of(listing)  # the admin sees both cooperatives


def test_editing_a_cohort_saves_and_redirects(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    url = f"/cohorts/{world.cohort_a.id}"
    token = form_token(page(staff, url), url)
    response = staff.post(
        url,
        data={"csrf_token": token, "name": "Cohort A renamed", "languages": ["vi", "id"]},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, f"{url}?saved=1")
    cohort = staff.get(f"/api/v1{url}").json()
    assert (cohort["name"], cohort["languages"]) == ("Cohort A renamed", ["vi", "id"])
    bad = staff.post(
        f"{url}?lang=en",
        data={"csrf_token": token, "name": "x", "work_start": "2026-12-10"},
    )
    assert bad.status_code == 422
    assert "work must start after" in bad.text
    assert staff.get(f"/api/v1{url}").json()["name"] == "Cohort A renamed"


def test_staff_import_a_trainee_list_and_see_the_report(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    cohort_id = world.cohort_a.id
    doc = page(staff, f"/cohorts/{cohort_id}/import?lang=en")
    assert "Excel (.xlsx) or CSV" in text_of(doc)
    assert "Trainee number" in text_of(doc.xpath('//ul[@class="columns"]')[0])
    assert doc.xpath('//input[@type="checkbox"][@name="valid_only"]')

    response = post_import(
        staff, cohort_id, trainee_csv(NGUYEN, TRAN), import_token(staff, cohort_id)
    )
    assert response.status_code == 200, response.text
    report = html.fromstring(response.text)
    assert report.xpath('//span[@class="badge imported"]')
    facts = report_facts(report)
    assert (facts["Rows in the file"], facts["Trainees added"]) == ("2", "2")
    assert facts["Already registered, unchanged"] == "0"
    assert trainee_numbers(staff, cohort_id) == ["A-001", "T-001", "T-002"]

    # The same file again adds nothing and says the rows are unchanged.
    again = post_import(staff, cohort_id, trainee_csv(NGUYEN, TRAN), import_token(staff, cohort_id))
    facts = report_facts(html.fromstring(again.text))
    assert (facts["Trainees added"], facts["Already registered, unchanged"]) == ("0", "2")

    # The cohort page lists them with the columns staff need and each one's login code.
    cohort = page(staff, f"/cohorts/{cohort_id}?lang=en")
    (row,) = cohort.xpath('//table[contains(@class, "trainees")]//tr[td[1]="T-001"]')
    cells = [text_of(td) for td in row.xpath("td")][:8]
    assert cells[:7] == [
        "T-001",
        "NGUYEN VAN AN",
        "グエン ヴァン アン",
        "Vietnam",
        "Vietnamese (Tiếng Việt)",
        "2003-04-12",
        "Momotaro Seiko",
    ]
    assert re.fullmatch(r"[A-Z2-9]{8}", cells[7])
    assert cohort.xpath(f'//a[@href="/api/v1/cohorts/{cohort_id}/trainees.csv"]')
    csv_text = staff.get(f"/api/v1/cohorts/{cohort_id}/trainees.csv").text
    assert cells[7] in csv_text


def test_a_file_with_a_bad_row_is_rejected_then_imported_with_only_the_valid_rows(
    signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    cohort_id = world.cohort_a.id
    data = trainee_csv(NGUYEN, TRAN, SOK_BAD_DATE)
    rejected = post_import(staff, cohort_id, data, import_token(staff, cohort_id))
    assert rejected.status_code == 422
    doc = html.fromstring(rejected.text)
    assert doc.xpath('//span[@class="badge rejected"]')
    assert "Nothing was imported." in text_of(doc.xpath('//p[@class="error"]')[0])
    rows = [
        [text_of(td) for td in tr.xpath("td")]
        for tr in doc.xpath('//table[@class="errors"]//tbody/tr')
    ]
    assert rows == [
        ["4", "Date of birth", 'Row 4: date of birth "2001-02-30" does not exist in the calendar.']
    ]
    assert report_facts(doc)["Would have been added"] == "2"
    assert trainee_numbers(staff, cohort_id) == ["A-001"]

    partial = post_import(staff, cohort_id, data, import_token(staff, cohort_id), valid_only="true")
    assert partial.status_code == 200
    doc = html.fromstring(partial.text)
    assert doc.xpath('//span[@class="badge partial"]')
    assert report_facts(doc)["Trainees added"] == "2"
    assert len(doc.xpath('//table[@class="errors"]//tbody/tr')) == 1
    assert trainee_numbers(staff, cohort_id) == ["A-001", "T-001", "T-002"]


def test_the_import_report_speaks_the_ui_language(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    cohort_id = world.cohort_a.id
    token = import_token(staff, cohort_id)
    response = staff.post(
        f"/cohorts/{cohort_id}/import?lang=ja",
        data={"csrf_token": token},
        files={"file": ("t.csv", trainee_csv(SOK_BAD_DATE), "text/csv")},
    )
    doc = html.fromstring(response.text)
    assert doc.get("lang") == "ja"
    (message,) = doc.xpath('//table[@class="errors"]//tbody/tr/td[3]')
    assert text_of(message) == gettext(
        "ja",
        'Row {row}: date of birth "{value}" does not exist in the calendar.',
        row=2,
        value="2001-02-30",
    )


def test_printed_cards_carry_code_pin_and_qr_and_the_pin_logs_the_trainee_in(
    signed_in: Any, world: World, koshu_app: Any
) -> None:
    staff = signed_in(world.staff_a)
    cohort_id = world.cohort_a.id
    post_import(staff, cohort_id, trainee_csv(NGUYEN, TRAN), import_token(staff, cohort_id))
    cohort = page(staff, f"/cohorts/{cohort_id}?lang=en")
    (warning,) = cohort.xpath(f'//form[@action="/cohorts/{cohort_id}/cards"]/ancestor::div[1]')
    assert "Cards printed before stop working" in text_of(warning)
    codes = [text_of(c) for c in cohort.xpath('//table[contains(@class, "trainees")]//td/code')]
    assert len(codes) == 3

    response = print_cards(staff, cohort_id)
    assert response.status_code == 200, response.text
    cards = printed_cards(response)
    assert sorted(cards) == sorted(codes)
    assert all(re.fullmatch(r"\d{6}", pin) for pin in cards.values())
    doc = html.fromstring(response.text)
    assert len(doc.xpath('//article[@class="login-card"]//div[@class="qr"]/svg')) == 3
    # Each card speaks Japanese and its trainee's language, and draws the three steps.
    for card in doc.xpath('//article[@class="login-card"]'):
        steps = card.xpath('.//ol[@class="steps"]/li')
        assert [len(step.xpath("svg")) for step in steps] == [1, 1, 1]
        assert [span.get("lang") for span in steps[1].xpath(".//span[@lang]")] == ["ja", "vi"]
        assert text_of(steps[1]) == "2このカードのPINを入力します。Nhập mã PIN trên thẻ này."
        assert "Mã đăng nhập" in text_of(card.xpath(".//dl")[0])
    for code, pin in cards.items():
        # The QR code holds the login address with the code, and never the PIN.
        expected = segno.make(f"http://testserver/t/login?code={code}", error="m")
        assert expected.svg_inline(scale=3, omitsize=True) in response.text
        assert pin not in f"http://testserver/t/login?code={code}"
    text = text_of(doc)
    assert "NGUYEN VAN AN" in text and "グエン ヴァン アン" in text
    assert "Cohort A" in text and "Coop A" in text
    assert MARKER_B not in response.text
    assert world.pins[world.trainee_b.id][0] not in response.text

    # The printed PIN works; the PIN of the card printed before does not.
    old_code, old_pin = world.pins[world.trainee_a.id]
    with TestClient(koshu_app) as phone:
        assert login_trainee(phone, old_code, old_pin).status_code == 401
        assert login_trainee(phone, old_code, cards[old_code]).status_code == 303
        assert "Welcome" in phone.get("/t?lang=en").text

    # Printing again makes the cards just printed stop working.
    reprinted = printed_cards(print_cards(staff, cohort_id))
    with TestClient(koshu_app) as phone:
        assert login_trainee(phone, old_code, cards[old_code]).status_code == 401
        assert login_trainee(phone, old_code, reprinted[old_code]).status_code == 303
    # Coop B's trainee was not touched.
    with TestClient(koshu_app) as phone:
        assert login_trainee(phone, *world.pins[world.trainee_b.id]).status_code == 303


def test_one_new_card_for_a_lost_one(signed_in: Any, world: World, koshu_app: Any) -> None:
    staff = signed_in(world.staff_a)
    cohort_id = world.cohort_a.id
    post_import(staff, cohort_id, trainee_csv(NGUYEN), import_token(staff, cohort_id))
    everyone = printed_cards(print_cards(staff, cohort_id))
    url = f"/trainees/{world.trainee_a.id}/pin"
    token = form_token(page(staff, f"/cohorts/{cohort_id}"), url)
    response = staff.post(f"{url}?lang=en", data={"csrf_token": token})
    assert response.status_code == 200
    one = printed_cards(response)
    code = world.pins[world.trainee_a.id][0]
    assert list(one) == [code]
    with TestClient(koshu_app) as phone:
        assert login_trainee(phone, code, everyone[code]).status_code == 401
        assert login_trainee(phone, code, one[code]).status_code == 303
    (other,) = set(everyone) - {code}
    with TestClient(koshu_app) as phone:  # the other trainee's card still works
        assert login_trainee(phone, other, everyone[other]).status_code == 303


def test_staff_cannot_reach_another_cooperatives_cohort(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    b = world.cohort_b.id
    token = form_token(
        page(staff, f"/cohorts/{world.cohort_a.id}"), f"/cohorts/{world.cohort_a.id}"
    )
    page(staff, f"/cohorts/{b}", status=404)
    page(staff, f"/cohorts/{b}/import", status=404)
    assert staff.post(f"/cohorts/{b}/cards", data={"csrf_token": token}).status_code == 404
    assert (
        staff.post(f"/trainees/{world.trainee_b.id}/pin", data={"csrf_token": token}).status_code
        == 404
    )
    assert post_import(staff, b, trainee_csv(NGUYEN), token).status_code == 404
    assert MARKER_B not in staff.get("/cohorts").text


def test_cohort_forms_without_the_csrf_token_are_refused(
    signed_in: Any, world: World, koshu_app: Any
) -> None:
    staff = signed_in(world.staff_a)
    cohort_id = world.cohort_a.id
    page(staff, f"/cohorts/{cohort_id}")  # the browser has its CSRF cookie
    refused = [
        staff.post("/cohorts", data={"name": "No token"}),
        staff.post(f"/cohorts/{cohort_id}", data={"name": "No token"}),
        staff.post(f"/cohorts/{cohort_id}/cards"),
        staff.post(f"/trainees/{world.trainee_a.id}/pin", data={"csrf_token": "forged"}),
        post_import(staff, cohort_id, trainee_csv(NGUYEN), None),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert refused[0].headers["content-type"].startswith("text/html")
    assert [c["name"] for c in staff.get("/api/v1/cohorts").json()] == ["Cohort A"]
    assert trainee_numbers(staff, cohort_id) == ["A-001"]
    with TestClient(koshu_app) as phone:  # no PIN was changed
        assert login_trainee(phone, *world.pins[world.trainee_a.id]).status_code == 303


def test_cohort_pages_are_for_staff_and_admins_only(
    signed_in: Any, world: World, anonymous: TestClient
) -> None:
    assert signed_in(world.lecturer).get("/cohorts").status_code == 403
    assert signed_in(world.trainee_a).get(f"/cohorts/{world.cohort_a.id}").status_code == 403
    assert (
        anonymous.get("/cohorts", follow_redirects=False).headers["location"].startswith("/login")
    )


def test_the_cards_print_on_a4_without_the_menu() -> None:
    css = (STATIC_DIR / "koshu.css").read_text()
    print_rules = media_block(css, "print")
    assert "size: A4" in print_rules
    assert re.search(r"header\.top[^{]*\{\s*display: none", print_rules)
    # Two columns of 68 mm rows: eight cards on a 297 mm page with 10 mm margins.
    assert "grid-template-columns: 95mm 95mm" in print_rules
    assert "grid-auto-rows: 68mm" in print_rules
