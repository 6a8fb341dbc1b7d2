"""Login limits hold when attempts arrive in parallel, and count the real client address.

Each test fires its attempts from real threads, released together by a barrier, at the
real database (SQLite here, PostgreSQL when KOSHU_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts.service import MAX_ACCOUNT_FAILURES, MAX_ADDRESS_FAILURES
from app.config import Settings
from app.main import create_app
from tests.conftest import PASSWORD, World
from tests.hardening.parallel import together


def token_of(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def password_attempt(
    client: TestClient, email: str, password: str, headers: dict[str, str] | None = None
) -> int:
    token = token_of(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


def pin_attempt(client: TestClient, code: str, pin: str) -> int:
    token = token_of(client, f"/t/login?code={code}")
    response = client.post(
        "/t/login",
        data={"code": code, "pin": pin, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def wrong(pin: str) -> str:
    return "".join(str((int(digit) + 1) % 10) for digit in pin)


def app_of(client: TestClient) -> FastAPI:
    app = client.app
    assert isinstance(app, FastAPI)
    return app


def in_parallel(count: int, attempt: Callable[[TestClient], int], app: FastAPI) -> Counter[int]:
    """Give each of ``count`` threads its own browser; release them together; count statuses."""
    return Counter(together([TestClient(app) for _ in range(count)], attempt))


def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(
    anonymous: TestClient, world: World
) -> None:
    statuses = in_parallel(
        30,
        lambda c: password_attempt(c, "staff-a@example.org", "wrong-password"),
        app_of(anonymous),
    )
    assert statuses == Counter({401: MAX_ACCOUNT_FAILURES, 429: 30 - MAX_ACCOUNT_FAILURES})
    assert password_attempt(anonymous, "staff-a@example.org", PASSWORD) == 429


def test_parallel_wrong_pins_get_no_more_checks_than_the_limit(
    anonymous: TestClient, world: World
) -> None:
    code, pin = world.pins[world.trainee_a.id]
    statuses = in_parallel(60, lambda c: pin_attempt(c, code, wrong(pin)), app_of(anonymous))
    assert statuses == Counter({401: MAX_ACCOUNT_FAILURES, 429: 60 - MAX_ACCOUNT_FAILURES})
    assert pin_attempt(anonymous, code, pin) == 429


def test_parallel_guesses_from_one_address_stop_at_the_address_limit(
    anonymous: TestClient, world: World
) -> None:
    guesses = iter(range(1000))
    lock = threading.Lock()

    def guess(client: TestClient) -> int:
        with lock:
            number = next(guesses)
        return password_attempt(client, f"guess-{number}@example.org", "wrong-password")

    statuses = in_parallel(45, guess, app_of(anonymous))
    assert statuses == Counter({401: MAX_ADDRESS_FAILURES, 429: 45 - MAX_ADDRESS_FAILURES})


def test_successful_logins_do_not_use_up_a_shared_address(
    anonymous: TestClient, world: World
) -> None:
    # A venue's Wi-Fi: every trainee's phone has the same address.
    code, pin = world.pins[world.trainee_a.id]
    for number in range(MAX_ADDRESS_FAILURES - 1):
        assert password_attempt(anonymous, f"typo-{number}@example.org", "wrong") == 401
    statuses = in_parallel(12, lambda c: pin_attempt(c, code, pin), app_of(anonymous))
    assert statuses == Counter({303: 12})
    assert password_attempt(anonymous, "staff-a@example.org", PASSWORD) == 303


def test_the_address_limit_counts_the_client_a_trusted_proxy_names(
    make_settings: Callable[..., Settings], world: World
) -> None:
    # The test client connects from "testclient": here, the reverse proxy.
    app = create_app(make_settings(trusted_proxies="testclient"))
    attacker, trainee = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.4"}
    with TestClient(app) as client:
        for number in range(MAX_ADDRESS_FAILURES):
            assert password_attempt(client, f"guess-{number}@x.org", "wrong", attacker) == 401
        assert password_attempt(client, "staff-a@example.org", PASSWORD, attacker) == 429
        assert password_attempt(client, "staff-a@example.org", PASSWORD, trainee) == 303


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(
    anonymous: TestClient, world: World
) -> None:
    for number in range(MAX_ADDRESS_FAILURES):
        spoofed = {"X-Forwarded-For": f"192.0.2.{number}"}
        assert password_attempt(anonymous, f"guess-{number}@x.org", "wrong", spoofed) == 401
    fresh = {"X-Forwarded-For": "192.0.2.200"}
    assert password_attempt(anonymous, "staff-a@example.org", PASSWORD, fresh) == 429
