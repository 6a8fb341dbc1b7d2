"""Domain errors and the one place that turns them into JSON (API) or pages (web)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import N_, TRAINEE_LANGUAGES, gettext, pick_language

log = logging.getLogger(__name__)


class DomainError(Exception):
    """An error a user can act on. ``message`` is an English template translated when shown."""

    status_code = 400
    code = "error"
    message = N_("The request could not be processed.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message = message or self.message
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)

    def text(self, language: str) -> str:
        return gettext(language, self.message, **self.params)


class NotFound(DomainError):
    status_code = 404
    code = "not-found"
    message = N_("Not found.")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"


LANGUAGE_COOKIE = "koshu_lang"


def request_language(request: Request) -> str:
    """The UI language: ?lang=, else the language cookie the pages set, else Accept-Language.

    A trainee reads in their own language (any of TRAINEE_LANGUAGES), as do the trainee pages
    before login; staff pages are in Japanese or English.
    """
    principal = getattr(request.state, "principal", None)
    trainee_side = (principal is not None and principal.role == "trainee") or (
        request.url.path == "/t" or request.url.path.startswith("/t/")
    )
    requested = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if trainee_side:
        if requested not in TRAINEE_LANGUAGES and principal is not None:
            requested = principal.ui_language
        return pick_language(request.headers.get("accept-language"), requested, TRAINEE_LANGUAGES)
    return pick_language(request.headers.get("accept-language"), requested)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/health"


def register_error_handlers(app: FastAPI) -> None:
    """Map domain and HTTP errors to JSON under /api and to an error page elsewhere."""

    def respond(request: Request, status: int, code: str, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
        if status == 401:  # a page needs a signed-in user: send them to the right login
            trainee_side = request.url.path == "/t" or request.url.path.startswith("/t/")
            login = "/t/login" if trainee_side else "/login"
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"{login}?next={target}", status_code=303)
        from app.web.pages import render_error  # late: web depends on this module

        return render_error(request, status, message)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return respond(request, exc.status_code, exc.code, exc.text(request_language(request)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        language = request_language(request)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return respond(
            request, exc.status_code, f"http-{exc.status_code}", gettext(language, detail)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The session dependency has already rolled back; say so instead of a traceback.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = gettext(
            request_language(request),
            N_("Something went wrong on our side. Nothing was saved; please try again later."),
        )
        return respond(request, 500, "internal", message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        language = request_language(request)
        fields = ", ".join(
            ".".join(str(part) for part in error["loc"] if part not in ("body", "query", "path"))
            for error in exc.errors()
        )
        message = gettext(
            language, N_("Some fields are missing or invalid: {fields}."), fields=fields or "-"
        )
        if _wants_json(request):
            return JSONResponse(
                {
                    "error": {
                        "code": "invalid",
                        "message": message,
                        "fields": [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()],
                    }
                },
                status_code=422,
            )
        return respond(request, 422, "invalid", message)
