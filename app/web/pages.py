"""Rendering pages: the Jinja2 environment (autoescaped), UI language and CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.i18n import UI_LANGUAGES, gettext, pick_language
from app.languages import LANGUAGES, NO_SPACE_SCRIPTS, language_name
from app.web import csrf

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LANG_COOKIE = "koshu_lang"

templates = Jinja2Templates(directory=TEMPLATES_DIR)  # autoescape is on for .html
templates.env.globals.update(
    LANGUAGES=LANGUAGES, language_name=language_name, NO_SPACE_SCRIPTS=NO_SPACE_SCRIPTS,
    UI_LANGUAGES=UI_LANGUAGES,
)


def ui_language(request: Request) -> str:
    return pick_language(
        request.headers.get("accept-language"),
        request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in the user's UI language with a fresh CSRF token for its forms."""
    language = ui_language(request)
    nonce, token = csrf.issue_token(request)

    def translate(message: str, **params: Any) -> str:
        return gettext(language, message, **params)

    response = templates.TemplateResponse(
        request, template,
        {"_": translate, "ui_lang": language, "csrf_token": token, **context},
        status_code=status_code,
    )
    csrf.set_cookie(response, nonce, secure=request.url.scheme == "https")
    if request.query_params.get("lang") in UI_LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, samesite="lax", max_age=365 * 86400)
    return response


def render_error(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, status=status_code,
                  message=message)
