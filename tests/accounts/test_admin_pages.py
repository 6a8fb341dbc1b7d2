"""Pages for cooperatives, users, API tokens and the audit log, used as a browser would."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import LecturerProfile, User
from tests.conftest import MARKER_B, PASSWORD, World, login
from tests.pages import form_token, page, text_of

NEW_PASSWORD = "a-long-enough-password"


def submit(client: TestClient, form_page: str, action: str, **fields: Any) -> Any:
    """Fill in the form posting to ``action`` on ``form_page`` and submit it (``action`` may
    carry a query such as ?lang=en, which the form itself does not)."""
    token = form_token(page(client, form_page), action.split("?")[0])
    return client.post(action, data={"csrf_token": token, **fields}, follow_redirects=False)


def table_rows(doc: html.HtmlElement) -> list[list[str]]:
    return [[text_of(td) for td in tr.xpath("td")] for tr in doc.xpath("//main//table//tbody/tr")]


def shown_secret(response: Any) -> str:
    (secret,) = html.fromstring(response.text).xpath('//p[@class="secret"]/code/text()')
    return str(secret)


def test_admin_creates_a_cooperative_and_its_employer(client: TestClient, world: World) -> None:
    response = submit(
        client,
        "/cooperatives",
        "/cooperatives",
        name="岡山国際技能協同組合",
        licence_number="許1712000009",
        address="岡山県岡山市北区表町1-1-1",
        contact_name="佐藤 花子",
        contact_phone="086-000-0000",
        contact_email="info@okayama-coop.example",
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    cooperative_id = int(re.fullmatch(r"/cooperatives/(\d+)\?saved=1", location)[1])
    doc = page(client, location + "&lang=en")
    assert text_of(doc.xpath("//h1")[0]) == "岡山国際技能協同組合"
    assert "許1712000009" in text_of(doc) and "Saved." in text_of(doc)
    listing = page(client, "/cooperatives")
    assert [text_of(a) for a in listing.xpath("//main//table//a")] == [
        "Coop A",
        f"Coop B {MARKER_B}",
        "岡山国際技能協同組合",
    ]

    # The same licence number again is refused on the form, with the reason.
    again = submit(client, "/cooperatives", "/cooperatives?lang=en", name="x", licence_number="A-1")
    assert again.status_code == 409
    assert "A-1 already exists." in text_of(html.fromstring(again.text))
    assert len(client.get("/api/v1/cooperatives").json()) == 3

    # Edit the details, then add an employer on the same page.
    url = f"/cooperatives/{cooperative_id}"
    edited = submit(client, url, url, name="岡山国際技能協同組合", contact_name="高橋 誠")
    assert edited.status_code == 303
    assert client.get(f"/api/v1{url}").json()["contact_name"] == "高橋 誠"
    added = submit(client, url, f"{url}/employers", name="株式会社 桃太郎精工", address="岡山市")
    assert added.status_code == 303
    assert table_rows(page(client, url)) == [["株式会社 桃太郎精工", "岡山市"]]
    twice = submit(client, url, f"{url}/employers", name="株式会社 桃太郎精工")
    assert twice.status_code == 409


def test_admin_creates_a_lecturer_with_qualification_and_affiliations(
    client: TestClient, world: World, session: Session, koshu_app: Any
) -> None:
    doc = page(client, "/users")
    assert doc.xpath('//select[@name="qualification"]/option/@value') == [
        "attorney",
        "administrative-scrivener",
        "labour-social-security-attorney",
        "government-official",
        "other",
    ]
    response = submit(
        client,
        "/users",
        "/users",
        role="lecturer",
        display_name="山田 太郎",
        email="Yamada@Law.example",
        password=NEW_PASSWORD,
        cooperative_id=str(world.coop_a.id),  # ignored for a lecturer
        qualification="attorney",
        registration_number="12345",
        aff_org=[f"cooperative:{world.coop_a.id}", "", ""],
        aff_name=["", "岡山弁護士会", "山田法律事務所"],
        aff_role=["理事", "", ""],
        aff_since=["2026-01-01", "", ""],
        aff_until=["", "", "2026-03-31"],
    )
    assert (response.status_code, response.headers["location"]) == (303, "/users?saved=1")
    user = session.scalar(select(User).where(User.email == "yamada@law.example"))
    assert user is not None
    assert (user.role, user.cooperative_id) == ("lecturer", None)
    profile = session.get(LecturerProfile, user.id)
    assert profile is not None
    assert (profile.qualification, profile.registration_number) == ("attorney", "12345")
    outside = {"cooperative_id": None, "employer_id": None, "role": "", "since": None}
    assert profile.affiliations == [
        {**outside, "name": "Coop A", "cooperative_id": world.coop_a.id, "role": "理事"}
        | {"since": "2026-01-01", "until": None},
        {**outside, "name": "岡山弁護士会", "until": None},
        {**outside, "name": "山田法律事務所", "until": "2026-03-31"},
    ]
    rows = table_rows(page(client, "/users?lang=en"))
    assert ["山田 太郎", "yamada@law.example", "lecturer", ""] in [r[:4] for r in rows]
    with TestClient(koshu_app) as browser:
        assert login(browser, "yamada@law.example", NEW_PASSWORD).status_code == 303

    weak = submit(
        client,
        "/users",
        "/users?lang=en",
        role="staff",
        display_name="Short",
        email="short@example.org",
        password="short",
        cooperative_id=str(world.coop_b.id),
    )
    assert weak.status_code == 422
    doc = html.fromstring(weak.text)
    assert "at least 10 characters" in text_of(doc.xpath('//p[@class="error"]')[0])
    assert doc.xpath('//input[@name="email"]/@value') == ["short@example.org"]


def test_staff_see_only_their_cooperative_and_cannot_create_lecturers(
    signed_in: Any, world: World, session: Session
) -> None:
    staff = signed_in(world.staff_a)
    listing = page(staff, "/cooperatives")
    assert [text_of(a) for a in listing.xpath("//main//table//a")] == ["Coop A"]
    assert not listing.xpath('//form[@action="/cooperatives"]')
    page(staff, f"/cooperatives/{world.coop_b.id}", status=404)
    page(staff, f"/cooperatives/{world.coop_a.id}")
    token = form_token(
        page(staff, f"/cooperatives/{world.coop_a.id}"), f"/cooperatives/{world.coop_a.id}"
    )
    refused = staff.post(
        "/cooperatives", data={"csrf_token": token, "name": "Mine", "licence_number": "X-9"}
    )
    assert refused.status_code == 403
    assert (
        staff.post(
            f"/cooperatives/{world.coop_b.id}/employers", data={"csrf_token": token, "name": "E"}
        ).status_code
        == 404
    )

    users = page(staff, "/users")
    assert not users.xpath('//select[@name="role"]')
    assert [r[0] for r in table_rows(users)] == ["Staff A"]  # not B's staff, nor the admin
    lecturer = staff.post(
        "/users",
        data={
            "csrf_token": form_token(users, "/users"),
            "role": "lecturer",
            "display_name": "Not allowed",
            "email": "sneaky@example.org",
            "password": NEW_PASSWORD,
            "qualification": "attorney",
        },
    )
    assert lecturer.status_code == 403
    assert html.fromstring(lecturer.text).xpath('//p[@class="error"]')
    assert session.scalar(select(User).where(User.email == "sneaky@example.org")) is None

    colleague = submit(
        staff,
        "/users",
        "/users",
        display_name="Staff A2",
        email="staff-a2@example.org",
        password=NEW_PASSWORD,
    )
    assert colleague.status_code == 303
    created = session.scalar(select(User).where(User.email == "staff-a2@example.org"))
    assert created is not None
    assert (created.role, created.cooperative_id) == ("staff", world.coop_a.id)


def test_a_reset_password_is_shown_once_and_replaces_the_old_one(
    client: TestClient, world: World, koshu_app: Any
) -> None:
    action = f"/users/{world.staff_a.id}/reset"
    response = submit(client, "/users", action)
    assert response.status_code == 200, response.text
    password = shown_secret(response)
    assert re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}-[0-9a-f]{6}", password)
    assert "Staff A" in text_of(html.fromstring(response.text))
    with TestClient(koshu_app) as browser:
        assert login(browser, world.staff_a.email or "", PASSWORD).status_code == 401
        assert login(browser, world.staff_a.email or "", password).status_code == 303
    # The password is not on any page after that one, nor in the audit log.
    assert password not in client.get("/users").text
    assert password not in client.get("/audit").text


def test_staff_cannot_reset_another_cooperatives_user(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    token = form_token(page(staff, "/users"), "/users")
    for user in (world.staff_b, world.admin):
        response = staff.post(f"/users/{user.id}/reset", data={"csrf_token": token})
        assert response.status_code == 404


def test_an_api_token_made_on_the_page_works_for_its_cooperative_until_revoked(
    signed_in: Any, world: World, anonymous: TestClient
) -> None:
    staff = signed_in(world.staff_a)
    response = submit(staff, "/tokens", "/tokens?lang=en", name="attendance system")
    assert response.status_code == 200, response.text
    secret = shown_secret(response)
    assert secret.startswith("ksh_")
    assert "shown only once" in response.text

    bearer = {"Authorization": f"Bearer {secret}"}
    cohorts = anonymous.get("/api/v1/cohorts", headers=bearer)
    assert cohorts.status_code == 200
    assert [c["cooperative_id"] for c in cohorts.json()] == [world.coop_a.id]
    assert anonymous.get(f"/api/v1/cohorts/{world.cohort_b.id}", headers=bearer).status_code == 404

    doc = page(staff, "/tokens?lang=en")
    (row,) = table_rows(doc)
    assert row[0] == "attendance system"
    assert row[1] == secret[:10] + "…"
    assert row[3] != "never"  # last used just now
    assert secret not in doc.xpath("string(//main)")  # never shown again

    (action,) = doc.xpath('//form[contains(@action, "/revoke")]/@action')
    revoked = submit(staff, "/tokens", action)
    assert (revoked.status_code, revoked.headers["location"]) == (303, "/tokens?revoked=1")
    assert anonymous.get("/api/v1/cohorts", headers=bearer).status_code == 401
    after = page(staff, "/tokens?lang=en")
    assert after.xpath('//span[@class="badge rejected"]')
    assert not after.xpath('//form[contains(@action, "/revoke")]')


def test_admin_makes_a_token_for_a_chosen_cooperative(
    client: TestClient, world: World, anonymous: TestClient
) -> None:
    response = submit(
        client, "/tokens", "/tokens", name="B's system", cooperative_id=str(world.coop_b.id)
    )
    secret = shown_secret(response)
    cohorts = anonymous.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {secret}"})
    assert [c["cooperative_id"] for c in cohorts.json()] == [world.coop_b.id]


def test_staff_cannot_revoke_another_cooperatives_token(
    signed_in: Any, client: TestClient, world: World, anonymous: TestClient
) -> None:
    secret = shown_secret(
        submit(client, "/tokens", "/tokens", name="B", cooperative_id=str(world.coop_b.id))
    )
    (action,) = page(client, "/tokens").xpath('//form[contains(@action, "/revoke")]/@action')
    staff = signed_in(world.staff_a)
    assert not page(staff, "/tokens").xpath('//form[contains(@action, "/revoke")]')
    token = form_token(page(staff, "/tokens"), "/tokens")
    assert staff.post(action, data={"csrf_token": token}).status_code == 404
    headers = {"Authorization": f"Bearer {secret}"}
    assert anonymous.get("/api/v1/cohorts", headers=headers).status_code == 200


def test_the_audit_page_lists_the_changes_made(
    client: TestClient, signed_in: Any, world: World
) -> None:
    submit(client, "/cooperatives", "/cooperatives", name="Audit Coop", licence_number="AU-1")
    submit(
        client,
        "/users",
        "/users",
        role="lecturer",
        display_name="Lecturer Two",
        email="two@law.example",
        password=NEW_PASSWORD,
        qualification="administrative-scrivener",
    )
    submit(client, "/users", f"/users/{world.staff_b.id}/reset")
    rows = table_rows(page(client, "/audit?lang=en"))
    assert [r[1:] for r in rows[:3]] == [
        ["Admin", "reset", f"user #{world.staff_b.id}", "Staff B"],
        ["Admin", "created", rows[1][3], "New lecturer: two@law.example"],
        ["Admin", "created", rows[2][3], "Audit Coop"],
    ]
    assert rows[2][3].startswith("cooperative #")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", rows[0][0])
    assert NEW_PASSWORD not in client.get("/audit").text
    # Japanese staff read the summaries in Japanese, older English ones included.
    japanese = table_rows(page(client, "/audit?lang=ja"))
    assert japanese[1][3:] == [
        rows[1][3].replace("user", "ユーザー"),
        "新しい講師: two@law.example",
    ]

    # Staff see their own cooperative's changes only.
    staff = signed_in(world.staff_a)
    submit(staff, f"/cohorts/{world.cohort_a.id}", f"/cohorts/{world.cohort_a.id}", name="A2")
    staff_rows = table_rows(page(staff, "/audit?lang=en"))
    assert staff_rows[0][1:] == ["Staff A", "changed", f"cohort #{world.cohort_a.id}", "A2"]
    text = page(staff, "/audit").xpath("string(//main)")
    assert MARKER_B not in text and "Audit Coop" not in text and "Staff B" not in text


def test_admin_forms_without_the_csrf_token_are_refused(
    client: TestClient, world: World, session: Session
) -> None:
    page(client, "/users")  # the browser has its CSRF cookie
    refused = [
        client.post("/cooperatives", data={"name": "No token", "licence_number": "NT-1"}),
        client.post(f"/cooperatives/{world.coop_a.id}", data={"name": "No token"}),
        client.post(f"/cooperatives/{world.coop_a.id}/employers", data={"name": "No token"}),
        client.post(
            "/users",
            data={
                "role": "admin",
                "display_name": "No token",
                "email": "nt@example.org",
                "password": NEW_PASSWORD,
            },
        ),
        client.post(f"/users/{world.staff_a.id}/reset", data={"csrf_token": "forged"}),
        client.post("/tokens", data={"name": "No token", "cooperative_id": str(world.coop_a.id)}),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert all(r.headers["content-type"].startswith("text/html") for r in refused)
    assert [c["name"] for c in client.get("/api/v1/cooperatives").json()] == [
        "Coop A",
        f"Coop B {MARKER_B}",
    ]
    assert client.get("/api/v1/api-tokens").json() == []
    assert session.scalar(select(User).where(User.email == "nt@example.org")) is None


def test_admin_pages_are_closed_to_lecturers_and_trainees(signed_in: Any, world: World) -> None:
    for user in (world.lecturer, world.trainee_a):
        browser = signed_in(user)
        for url in ("/cooperatives", "/users", "/tokens", "/audit"):
            assert browser.get(url).status_code == 403, (user, url)
