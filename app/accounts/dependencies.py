"""Who is calling: a session cookie (pages, and the API from a browser) or a bearer token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from app.accounts import access, service
from app.accounts.access import Capability
from app.accounts.errors import LoginRequired
from app.accounts.tenancy import Principal
from app.deps import SessionDep
from app.http import csrf
from app.i18n import N_
from app.security_headers import secure_cookies

SESSION_COOKIE = "koshu_session"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt="session")


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    """Put the session token in a signed, HttpOnly, SameSite cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        _signer(request).dumps(token),
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def session_token(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return str(_signer(request).loads(raw))
    except BadSignature:
        return None


def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller, or None when nobody is signed in.

    A cookie-authenticated write to the JSON API must carry the page's CSRF token in the
    X-CSRF-Token header; bearer tokens are not sent by browsers on their own, so they need none.
    """
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        principal = service.principal_for_api_token(session, authorization[7:].strip())
        if principal is None:
            raise LoginRequired(N_("The API token is not valid or has been revoked."))
        route = request.scope.get("route")
        access.require_any(principal, declared_capabilities(getattr(route, "dependant", None)))
        return principal
    token = session_token(request)
    user = service.user_for_session(session, token) if token else None
    if user is None:
        return None
    if request.method in _UNSAFE and request.url.path.startswith("/api/"):
        csrf.verify(request, request.headers.get("x-csrf-token"))
    principal = service.principal_of(user)
    request.state.principal = principal  # pages show the menu for the caller's role
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise LoginRequired()
    return principal


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only these roles through (403 for the others)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        principal.require(*roles)
        return principal

    return dependency


class Capable:
    """Declare the capability a route needs: ``Depends(Capable(Capability.READ_RECORDS))``.

    Checked once per request, where a bearer token becomes a principal; a route that declares
    no capability an API token holds refuses tokens (``app.accounts.access``).
    """

    def __init__(self, capability: Capability) -> None:
        self.capability = capability

    async def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> None:
        access.require(principal, self.capability)


def declared_capabilities(dependant: Any) -> set[Capability]:
    """The capabilities a route's dependant declares through ``Capable`` at any depth."""
    found: set[Capability] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        if isinstance(current.call, Capable):
            found.add(current.call.capability)
        pending.extend(current.dependencies)
    return found


def capable(capability: Capability) -> Any:
    """The declaration as a route dependency: ``dependencies=[capable(...)]``."""
    return Depends(Capable(capability))


PrincipalDep = Annotated[Principal, Depends(current_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
CooperativeAccessDep = Annotated[Principal, Depends(require_roles("admin", "staff"))]
AdminDep = Annotated[Principal, Depends(require_roles("admin"))]
LecturerOrAdminDep = Annotated[Principal, Depends(require_roles("admin", "lecturer"))]

# What an API token may do, declared per route: `@router.get(..., dependencies=[READS_RECORDS])`.
READS_RECORDS = capable(Capability.READ_RECORDS)
MANAGES_COHORTS = capable(Capability.MANAGE_COHORTS)
SCHEDULES_LECTURES = capable(Capability.SCHEDULE_LECTURES)
