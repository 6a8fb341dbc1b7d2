"""Signing in and out: staff, lecturers and admins by e-mail; trainees by login code and PIN."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts import service
from app.accounts.dependencies import (
    OptionalPrincipalDep,
    PrincipalDep,
    session_token,
    set_session_cookie,
)
from app.accounts.errors import BadCredentials, BadPin, TooManyAttempts
from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.deps import DefinitionsDep, SessionDep
from app.errors import DomainError
from app.http import csrf
from app.http.rendering import render, ui_language
from app.web import trainee as trainee_pages

router = APIRouter(include_in_schema=False)

HOME_BY_ROLE = {
    "admin": "/cooperatives",
    "staff": "/cohorts",
    "lecturer": "/courses",
    "trainee": "/t",
}


def _safe_next(target: str | None, fallback: str) -> str:
    """Only local paths: ?next=https://evil.example must not turn login into a redirector."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request, session: SessionDep, user: Any, target: str) -> RedirectResponse:
    token = service.start_session(session, user)
    lifetime = service.TRAINEE_SESSION if user.role == "trainee" else service.STAFF_SESSION
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, token, int(lifetime.total_seconds()))
    return response


@router.get("/")
def home(principal: OptionalPrincipalDep) -> RedirectResponse:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_BY_ROLE.get(principal.role, "/courses"), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Any:
    return render(request, "login.html", next=_safe_next(next, ""), error=None, email="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        user = service.login_with_password(
            session, email=email, password=password, address=_client_address(request)
        )
    except (BadCredentials, TooManyAttempts) as failure:
        return render(
            request,
            "login.html",
            status_code=failure.status_code,
            next=next,
            email=email,
            error=failure.text(ui_language(request)),
        )
    return _signed_in(request, session, user, _safe_next(next, HOME_BY_ROLE[user.role]))


@router.get("/t/login", response_class=HTMLResponse)
def trainee_login_page(request: Request, code: str = "", next: str | None = None) -> Any:
    """The page a login card's QR code opens, with the code already filled in.

    ``next`` is where a signed-out phone was going (a lecture's QR code): back there after login.
    """
    return render(
        request, "trainee_login.html", code=code[:16], next=_safe_next(next, ""), error=None
    )


@router.post("/t/login", response_class=HTMLResponse)
def trainee_login(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Form(max_length=16)],
    pin: Annotated[str, Form(max_length=12)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        user = service.login_with_pin(
            session, login_code=code, pin=pin, address=_client_address(request)
        )
    except (BadPin, TooManyAttempts) as failure:
        return render(
            request,
            "trainee_login.html",
            status_code=failure.status_code,
            code=code,
            next=_safe_next(next, ""),
            error=failure.text(ui_language(request)),
        )
    return _signed_in(request, session, user, _safe_next(next, "/t"))


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> RedirectResponse:
    csrf.verify(request, csrf_token)
    token = session_token(request)
    was_trainee = False
    if token:
        user = service.user_for_session(session, token)
        was_trainee = user is not None and user.role == "trainee"
        service.end_session(session, token)
    response = RedirectResponse("/t/login" if was_trainee else "/login", status_code=303)
    response.delete_cookie("koshu_session", path="/")
    return response


@router.get("/t", response_class=HTMLResponse)
def trainee_home(
    request: Request, session: SessionDep, principal: PrincipalDep, definitions: DefinitionsDep
) -> Any:
    """A trainee's start page: their lectures, modules to study alone, their study time."""
    if principal.role != "trainee":
        return RedirectResponse(HOME_BY_ROLE.get(principal.role, "/"), status_code=303)
    trainee = cohorts.trainee_for_user(session, principal.user_id or 0)
    return render(
        request,
        "trainee_home.html",
        trainee=trainee,
        **trainee_pages.home_context(request, session, principal, definitions, trainee),
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: PrincipalDep) -> Any:
    return render(request, "account.html", message=None, error=None)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        service.change_password(session, principal, current, new)
    except DomainError as failure:
        return render(
            request,
            "account.html",
            status_code=failure.status_code,
            message=None,
            error=failure.text(ui_language(request)),
        )
    user = session.get(User, principal.user_id)
    return _signed_in(request, session, user, "/account?changed=1")


def role_home(principal: Principal | None) -> str:
    return HOME_BY_ROLE.get(principal.role, "/") if principal else "/login"
