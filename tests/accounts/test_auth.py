"""Signing in and out through the real forms, sessions, CSRF, rate limits and stored secrets."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from markupsafe import escape
from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.accounts.dependencies import SESSION_COOKIE
from app.accounts.errors import BadCredentials, BadPin, TooManyAttempts
from app.accounts.models import ApiToken, LoginSession, User
from app.accounts.tenancy import Principal
from app.audit.models import AuditEntry
from app.config import Settings
from app.db import Base, utcnow
from app.http.csrf import COOKIE as CSRF_COOKIE
from app.main import create_app
from tests.conftest import PASSWORD, TEST_SECRET, World, login, login_trainee

ENGLISH = {"Accept-Language": "en"}
LOCKED = TooManyAttempts(minutes=15).text("en")


def form_token(client: TestClient, url: str = "/login") -> str:
    """The CSRF token the page at ``url`` puts in its form, as a browser would submit it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert found, f"{url} has a form with a CSRF token"
    return found.group(1)


def post_login(client: TestClient, email: str, password: str, token: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=ENGLISH,
        follow_redirects=False,
    )


def post_pin(client: TestClient, code: str, pin: str, token: str) -> Any:
    return client.post(
        "/t/login",
        data={"code": code, "pin": pin, "csrf_token": token},
        headers=ENGLISH,
        follow_redirects=False,
    )


def is_signed_in(client: TestClient) -> bool:
    return client.get("/api/v1/me").status_code == 200


@contextmanager
def browser(app: FastAPI, **cookies: str) -> Iterator[TestClient]:
    """Another browser, with these cookies."""
    with TestClient(app) as client:
        for name, value in cookies.items():
            client.cookies.set(name, value)
        yield client


def wrong_pin(pin: str) -> str:
    return "000000" if pin != "000000" else "111111"


# --- logging in and out -------------------------------------------------------------------------


def test_a_wrong_password_shows_the_form_again_with_a_message_and_no_session(
    anonymous: TestClient, world: World
) -> None:
    token = form_token(anonymous)
    response = post_login(anonymous, "staff-a@example.org", "not-the-password", token)
    assert response.status_code == 401
    assert str(escape(BadCredentials().text("en"))) in response.text
    assert 'name="password"' in response.text
    assert SESSION_COOKIE not in response.cookies
    assert SESSION_COOKIE not in anonymous.cookies
    assert not is_signed_in(anonymous)


def test_the_right_password_signs_in_with_a_working_session(
    anonymous: TestClient, world: World
) -> None:
    response = post_login(anonymous, "Staff-A@example.org ", PASSWORD, form_token(anonymous))
    assert response.status_code == 303
    assert response.headers["location"] == "/cohorts"
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = anonymous.get("/api/v1/me").json()
    assert (me["role"], me["user_id"]) == ("staff", world.staff_a.id)


def test_logging_out_ends_the_session_and_the_old_cookie_no_longer_works(
    koshu_app: FastAPI, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    old_cookie = staff.cookies[SESSION_COOKIE]
    response = staff.post("/logout", data={"csrf_token": form_token(staff)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert not is_signed_in(staff)
    with browser(koshu_app, **{SESSION_COOKIE: old_cookie}) as replay:
        assert replay.get("/api/v1/me").status_code == 401
        page = replay.get("/account", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/login?next=/account")


def test_a_forged_or_unsigned_session_cookie_is_ignored(
    koshu_app: FastAPI, session_factory: sessionmaker[Session], world: World
) -> None:
    with session_factory() as session:
        real_token = accounts.start_session(session, session.get(User, world.staff_a.id))
        session.commit()
    genuine = URLSafeSerializer(TEST_SECRET, salt="session").dumps(real_token)
    forgeries = {
        "garbage": "garbage",
        "the raw token, unsigned": real_token,
        "signed with another key": URLSafeSerializer("x" * 50, salt="session").dumps(real_token),
        "signed for another purpose": URLSafeSerializer(TEST_SECRET, salt="csrf").dumps(real_token),
    }
    for what, value in forgeries.items():
        with browser(koshu_app, **{SESSION_COOKIE: value}) as forged:
            page = forged.get("/account", follow_redirects=False)
            assert page.status_code == 303, what
            assert page.headers["location"].startswith("/login?next="), what
            assert forged.get("/api/v1/me").status_code == 401, what
    with browser(koshu_app, **{SESSION_COOKIE: genuine}) as control:
        assert control.get("/api/v1/me").json()["user_id"] == world.staff_a.id


def test_an_expired_session_sends_the_browser_to_login_and_back(
    signed_in: Any, session_factory: sessionmaker[Session], world: World
) -> None:
    staff = signed_in(world.staff_a)
    assert staff.get("/account").status_code == 200
    with session_factory() as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == world.staff_a.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    page = staff.get("/account", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/account")
    assert staff.get("/api/v1/me").status_code == 401


# --- CSRF ---------------------------------------------------------------------------------------


def test_login_refuses_a_missing_forged_or_other_browsers_csrf_token(
    koshu_app: FastAPI, world: World
) -> None:
    with browser(koshu_app) as mine, browser(koshu_app) as other:
        form_token(mine)  # the login page gives this browser its CSRF cookie
        nonce = mine.cookies[CSRF_COOKIE]
        tokens = {
            "missing": "",
            "forged": "forged-token",
            "signed with another key": URLSafeSerializer("x" * 50, salt="csrf").dumps(nonce),
            "another browser's": form_token(other),
        }
        for what, token in tokens.items():
            response = post_login(mine, "staff-a@example.org", PASSWORD, token)
            assert response.status_code == 403, what
            assert SESSION_COOKIE not in response.cookies, what
        assert not is_signed_in(mine)
        assert (
            post_login(mine, "staff-a@example.org", PASSWORD, form_token(mine)).status_code == 303
        )


def test_logout_refuses_a_missing_forged_or_other_browsers_csrf_token(
    koshu_app: FastAPI, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    with browser(koshu_app) as other:
        for what, token in {
            "missing": None,
            "forged": "forged-token",
            "another browser's": form_token(other),
        }.items():
            data = {} if token is None else {"csrf_token": token}
            response = staff.post("/logout", data=data, follow_redirects=False)
            assert response.status_code == 403, what
            assert is_signed_in(staff), f"a logout with a {what} token ended the session"


def test_a_cookie_authenticated_api_write_needs_the_pages_csrf_header(
    koshu_app: FastAPI, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    own_header = staff.headers.pop("X-CSRF-Token")
    with browser(koshu_app) as other:
        login(other, "staff-b@example.org")
        other_header = other.headers["X-CSRF-Token"]
    for what, header in {
        "missing": None,
        "forged": "forged-token",
        "another browser's": other_header,
    }.items():
        headers = {} if header is None else {"X-CSRF-Token": header}
        response = staff.post("/api/v1/employers", json={"name": f"E {what}"}, headers=headers)
        assert response.status_code == 403, what
        assert response.json()["error"]["code"] == "csrf"
    response = staff.post(
        "/api/v1/employers", json={"name": "E with header"}, headers={"X-CSRF-Token": own_header}
    )
    assert response.status_code == 201
    names = [e["name"] for e in staff.get("/api/v1/employers").json()]
    assert names == ["E with header", "Employer A"], "nothing refused was written"


def test_a_bearer_token_needs_no_csrf_token(
    koshu_app: FastAPI, session_factory: sessionmaker[Session], world: World
) -> None:
    staff = Principal(world.staff_a.id, "staff", world.coop_a.id, "test")
    with session_factory() as session:
        secret = accounts.create_api_token(session, staff, name="integration").secret
        session.commit()
    with browser(koshu_app) as integration:
        integration.headers["Authorization"] = f"Bearer {secret}"
        response = integration.post("/api/v1/employers", json={"name": "From the integration"})
        assert response.status_code == 201
        assert integration.get("/api/v1/me").json()["csrf_token"] is None
    with browser(koshu_app) as bad:
        bad.headers["Authorization"] = "Bearer ksh_revoked-or-made-up"
        assert bad.post("/api/v1/employers", json={"name": "X"}).status_code == 401


# --- rate limits --------------------------------------------------------------------------------


def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_that_account(
    anonymous: TestClient, world: World
) -> None:
    token = form_token(anonymous)
    for _ in range(5):
        assert (
            post_login(anonymous, "staff-a@example.org", "wrong-password", token).status_code == 401
        )
    response = post_login(anonymous, "staff-a@example.org", PASSWORD, token)
    assert response.status_code == 429
    assert str(escape(LOCKED)) in response.text
    assert SESSION_COOKIE not in anonymous.cookies
    # Only that account is locked: another one still logs in from the same address.
    assert post_login(anonymous, "staff-b@example.org", PASSWORD, token).status_code == 303


def test_thirty_wrong_passwords_from_one_address_lock_every_account_there(
    anonymous: TestClient, world: World
) -> None:
    token = form_token(anonymous)
    for number in range(30):
        wrong = post_login(anonymous, f"guess-{number}@example.org", "wrong-password", token)
        assert wrong.status_code == 401
    response = post_login(anonymous, "staff-a@example.org", PASSWORD, token)
    assert response.status_code == 429
    assert str(escape(LOCKED)) in response.text


def test_the_limit_is_shared_by_every_app_process_on_the_database(
    settings: Settings, world: World
) -> None:
    with (
        TestClient(create_app(settings)) as first,
        TestClient(create_app(settings)) as second,
    ):
        first_token, second_token = form_token(first), form_token(second)
        for attempt in range(5):
            client, token = (first, first_token) if attempt % 2 else (second, second_token)
            assert post_login(client, "staff-a@example.org", "wrong", token).status_code == 401
        assert post_login(first, "staff-a@example.org", PASSWORD, first_token).status_code == 429
        assert post_login(second, "staff-a@example.org", PASSWORD, second_token).status_code == 429


def test_a_wrong_pin_is_refused_and_five_lock_the_card(anonymous: TestClient, world: World) -> None:
    code, pin = world.pins[world.trainee_a.id]
    token = form_token(anonymous, f"/t/login?code={code}")
    response = post_pin(anonymous, code, wrong_pin(pin), token)
    assert response.status_code == 401
    assert str(escape(BadPin().text("en"))) in response.text
    for _ in range(4):
        assert post_pin(anonymous, code, wrong_pin(pin), token).status_code == 401
    locked = post_pin(anonymous, code, pin, token)
    assert locked.status_code == 429
    assert str(escape(LOCKED)) in locked.text
    assert not is_signed_in(anonymous)


# --- resets and password changes ----------------------------------------------------------------


def test_a_new_pin_from_staff_ends_the_trainees_session_and_replaces_the_old_pin(
    koshu_app: FastAPI, signed_in: Any, world: World
) -> None:
    trainee = signed_in(world.trainee_a)
    assert trainee.get("/t").status_code == 200
    staff = signed_in(world.staff_a)
    response = staff.post(f"/api/v1/trainees/{world.trainee_a.id}/pin")
    assert response.status_code == 200
    card = response.json()
    code, old_pin = world.pins[world.trainee_a.id]
    assert card["login_code"] == code and card["pin"] != old_pin
    assert not is_signed_in(trainee)
    page = trainee.get("/t", follow_redirects=False)
    assert page.status_code == 303 and "login" in page.headers["location"]
    with browser(koshu_app) as phone:
        assert login_trainee(phone, code, old_pin).status_code == 401
        assert login_trainee(phone, code, card["pin"]).status_code == 303
        assert phone.get("/api/v1/me").json()["user_id"] == world.trainee_a.user_id


def test_an_admin_reset_ends_the_staff_sessions_and_replaces_the_password(
    koshu_app: FastAPI, client: TestClient, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    response = client.post(f"/api/v1/users/{world.staff_a.id}/reset")
    assert response.status_code == 200
    new_password = response.json()["secret"]
    assert not is_signed_in(staff)
    with browser(koshu_app) as again:
        assert login(again, "staff-a@example.org", PASSWORD).status_code == 401
        assert login(again, "staff-a@example.org", new_password).status_code == 303


def test_changing_your_own_password_keeps_you_signed_in_and_ends_other_sessions(
    koshu_app: FastAPI, signed_in: Any, world: World
) -> None:
    laptop, phone = signed_in(world.staff_a), signed_in(world.staff_a)
    token = form_token(laptop, "/account")
    wrong = laptop.post(
        "/account/password",
        data={"current": "not-my-password", "new": "a-new-password-123", "csrf_token": token},
        headers=ENGLISH,
    )
    assert wrong.status_code == 401
    assert str(escape(BadCredentials().text("en"))) in wrong.text
    response = laptop.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a-new-password-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/account?changed=1")
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    with browser(koshu_app) as again:
        assert login(again, "staff-a@example.org", PASSWORD).status_code == 401
        assert login(again, "staff-a@example.org", "a-new-password-123").status_code == 303


# --- secrets are stored hashed and never written down in clear ---------------------------------


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def sql_log() -> Iterator[Collect]:
    """Every SQL statement with its parameters, as SQLAlchemy's echo would print them."""
    handler = Collect()
    logger = logging.getLogger("sqlalchemy.engine")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def every_stored_text(engine: Engine) -> list[str]:
    """The value of every column of every row of every table, as text."""
    existing = set(inspect(engine).get_table_names())
    texts = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in existing:
                for row in connection.execute(select(table)):
                    texts.extend(f"{table.name}.{k}={v}" for k, v in row._mapping.items())
    return texts


def appears(secret: str, text: str) -> bool:
    """The secret as a value of its own (a 6-digit PIN inside a timestamp or hash is not it)."""
    return re.search(rf"(?<![\w.:/+$-]){re.escape(secret)}(?![\w])", text) is not None


def test_passwords_pins_and_tokens_are_never_stored_or_logged_in_clear(
    client: TestClient,
    signed_in: Any,
    koshu_app: FastAPI,
    engine: Engine,
    world: World,
    caplog: pytest.LogCaptureFixture,
    sql_log: Collect,
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: dict[str, str] = {}
    first = "first-password-Q7"
    created = client.post(
        "/api/v1/users",
        json={
            "role": "staff",
            "email": "new-staff@example.org",
            "display_name": "New staff",
            "password": first,
            "cooperative_id": world.coop_a.id,
        },
    )
    assert created.status_code == 201
    new_staff = created.json()["id"]
    secrets["password at creation"] = first
    with browser(koshu_app) as staff:
        secrets["mistyped password"] = "first-password-Q8"
        assert (
            login(staff, "new-staff@example.org", secrets["mistyped password"]).status_code == 401
        )
        assert login(staff, "new-staff@example.org", first).status_code == 303
        session_token = URLSafeSerializer(TEST_SECRET, salt="session").loads(
            staff.cookies[SESSION_COOKIE]
        )
        secrets["session token"] = session_token
    reset = client.post(f"/api/v1/users/{new_staff}/reset").json()["secret"]
    secrets["password from a reset"] = reset
    with browser(koshu_app) as staff:
        assert login(staff, "new-staff@example.org", reset).status_code == 303
        changed = staff.post(
            "/account/password",
            data={"current": reset, "new": "own-password-Z3", "csrf_token": form_token(staff)},
            follow_redirects=False,
        )
        assert changed.status_code == 303
        secrets["own new password"] = "own-password-Z3"
        issued = staff.post("/api/v1/api-tokens", json={"name": "nightly sync"}).json()
        secrets["API token"] = issued["token"]
    staff_a = signed_in(world.staff_a)
    for card in staff_a.post(f"/api/v1/cohorts/{world.cohort_a.id}/cards").json():
        secrets[f"PIN on card {card['trainee_number']}"] = card["pin"]
    one = staff_a.post(f"/api/v1/trainees/{world.trainee_a.id}/pin").json()
    secrets["PIN of a lost card"] = one["pin"]
    with browser(koshu_app) as phone:
        assert login_trainee(phone, one["login_code"], one["pin"]).status_code == 303
        assert login_trainee(phone, one["login_code"], wrong_pin(one["pin"])).status_code == 401

    logged = [caplog.text, *sql_log.lines]
    assert any("INSERT INTO users" in line for line in sql_log.lines), "SQL was captured"
    stored = every_stored_text(engine)
    for what, secret in secrets.items():
        assert not any(appears(secret, line) for line in logged), f"{what} was logged"
        assert not any(appears(secret, text) for text in stored), f"{what} was stored in clear"

    with Session(engine) as session:
        hashes = session.scalars(select(User.secret_hash).where(User.secret_hash.is_not(None)))
        assert all(h.startswith("$argon2id$") for h in hashes)
        token_row = session.scalar(select(ApiToken).where(ApiToken.name == "nightly sync"))
        assert token_row is not None
        assert token_row.token_hash == hashlib.sha256(secrets["API token"].encode()).hexdigest()
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "user", AuditEntry.entity_id == str(new_staff)
            )
        ).all()
        password_changes = [e.changes["password"] for e in entries if "password" in e.changes]
        assert password_changes == ["(changed)"] * 3, "creation, reset and change are audited"
