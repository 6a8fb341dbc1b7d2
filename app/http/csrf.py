"""CSRF protection for form posts: a signed token bound to a random per-browser cookie."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from app.errors import DomainError
from app.i18n import N_

COOKIE = "koshu_csrf"


class CsrfFailed(DomainError):
    status_code = 403
    code = "csrf"
    message = N_("This form has expired or did not come from Koshu. Reload the page and try again.")


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt="csrf")


def issue_token(request: Request) -> tuple[str, str]:
    """Return (cookie value, form token) for this browser, making a cookie if it has none."""
    nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(24)
    return nonce, _serializer(request).dumps(nonce)  # type: ignore[return-value]


def set_cookie(response: Response, nonce: str, secure: bool) -> None:
    response.set_cookie(COOKIE, nonce, httponly=True, samesite="strict", secure=secure)


def verify(request: Request, token: str | None) -> None:
    """Raise CsrfFailed unless the form's token was signed for this browser's cookie."""
    nonce = request.cookies.get(COOKIE)
    if not nonce or not token:
        raise CsrfFailed()
    try:
        signed_nonce = _serializer(request).loads(token)
    except BadSignature:
        raise CsrfFailed() from None
    if not hmac.compare_digest(str(signed_nonce), nonce):
        raise CsrfFailed()
