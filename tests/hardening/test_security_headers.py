"""Every response limits what a browser lets the page do; cookies are Secure in production.

The pages' policy runs no inline script, so no template may contain one (or an inline event
handler): checked on the template files, so a new page cannot bring one back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from lxml import html

from app.accounts.dependencies import SESSION_COOKIE
from app.config import Settings
from app.http.rendering import TEMPLATES_DIR
from app.main import create_app
from tests.conftest import PASSWORD, World

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_pages_and_api_answers_carry_the_security_headers(client: TestClient) -> None:
    for path in ("/courses", "/login", "/api/v1/courses", "/no-such-page", "/static/koshu.css"):
        response = client.get(path)
        policy = directives(response.headers["content-security-policy"])
        assert policy["script-src"] == "'self'", path  # no inline script, no other site
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers  # not in development


def test_the_api_documentation_still_loads_its_viewer(client: TestClient) -> None:
    policy = directives(client.get("/docs").headers["content-security-policy"])
    assert "https://cdn.jsdelivr.net" in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    offenders = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", source, re.IGNORECASE):
            if "src=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in INLINE_HANDLER.findall(source)]
        offenders += [f"{path.name}: javascript: link" for _ in re.findall("javascript:", source)]
    assert offenders == []


def test_print_buttons_work_without_inline_script(client: TestClient, world: World) -> None:
    doc = html.fromstring(client.get(f"/cohorts/{world.cohort_a.id}/cards").text)
    assert doc.xpath("//script[@src='/static/pages.js']")
    assert client.get("/static/pages.js").status_code == 200


def test_production_sends_hsts_and_secure_cookies_even_over_plain_http(
    make_settings: Callable[..., Settings], world: World
) -> None:
    # TLS ends at the proxy: the app itself sees plain http, and must still mark cookies Secure.
    production = make_settings(environment="production")
    with TestClient(create_app(production), base_url="http://koshu.example") as browser:
        page = browser.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        (csrf_cookie,) = page.headers.get_list("set-cookie")
        assert "; secure" in csrf_cookie.lower() and "httponly" in csrf_cookie.lower()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        # A browser sends a Secure cookie over HTTPS only; here it is sent by hand.
        signed_in = browser.post(
            "/login",
            data={"email": world.admin.email, "password": PASSWORD, "csrf_token": token.group(1)},
            headers={"Cookie": csrf_cookie.split(";", 1)[0]},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        cookies = signed_in.headers.get_list("set-cookie")
        (session_cookie,) = [c for c in cookies if c.startswith(f"{SESSION_COOKIE}=")]
        assert "; secure" in session_cookie.lower()


def test_development_over_plain_http_keeps_cookies_usable(anonymous: TestClient) -> None:
    cookie = anonymous.get("/login").headers["set-cookie"].lower()
    assert "; secure" not in cookie
