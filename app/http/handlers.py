"""The one place that turns domain and HTTP errors into JSON (under /api) or error pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DomainError
from app.http.language import is_trainee_side, request_language
from app.http.rendering import render_error
from app.i18n import N_, gettext

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/health"


def register_error_handlers(app: FastAPI) -> None:
    """Map domain and HTTP errors to JSON under /api and to an error page elsewhere."""

    def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> Response:
        if _wants_json(request):
            error = {"code": code, "message": message, **(details or {})}
            return JSONResponse({"error": error}, status_code=status)
        if status == 401:  # a page needs a signed-in user: send them to the right login
            login = "/t/login" if is_trainee_side(request) else "/login"
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"{login}?next={target}", status_code=303)
        return render_error(request, status, message)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        language = request_language(request)
        return respond(
            request, exc.status_code, exc.code, exc.text(language), exc.details(language)
        )

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
