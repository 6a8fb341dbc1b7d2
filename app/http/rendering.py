"""Rendering pages: the Jinja2 environment (autoescaped), UI language and CSRF token.

The templates live with the pages in ``app/web/templates``; rendering is here so that error
pages can be drawn by ``app.http.handlers`` without importing the page routers.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic_core import to_jsonable_python

from app.http import csrf
from app.http.language import LANGUAGE_COOKIE, request_language
from app.hygiene import is_web_url
from app.i18n import TRAINEE_LANGUAGES, UI_LANGUAGES, gettext
from app.languages import LANGUAGES, NO_SPACE_SCRIPTS, language_name, name_for
from app.security_headers import secure_cookies

WEB_DIR = Path(__file__).parent.parent / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
LANG_COOKIE = LANGUAGE_COOKIE

templates = Jinja2Templates(directory=TEMPLATES_DIR)  # autoescape is on for .html
# Pages render the API's typed objects: ``|tojson`` writes pydantic models and dates as the
# API does.
templates.env.policies["json.dumps_function"] = functools.partial(
    json.dumps, default=to_jsonable_python
)
templates.env.globals.update(
    LANGUAGES=LANGUAGES,
    # A language's own name, for choosing a language (the page's own language_name() names
    # it for the reader: クメール語 (ខ្មែរ)).
    autonym=language_name,
    language_name=language_name,
    NO_SPACE_SCRIPTS=NO_SPACE_SCRIPTS,
    UI_LANGUAGES=UI_LANGUAGES,
    TRAINEE_LANGUAGES=TRAINEE_LANGUAGES,
    is_web_url=is_web_url,
)


ui_language = request_language


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in the user's UI language with a fresh CSRF token for its forms."""
    language = ui_language(request)
    nonce, token = csrf.issue_token(request)

    def translate(message: str, **params: Any) -> str:
        return gettext(language, message, **params)

    def lang_url(tag: str) -> str:
        if request.method != "GET":  # a page answering a form post has no address to reload
            return "/courses?" + urlencode([("lang", tag)])
        # Keep the page's own query (?a=1&b=2 of a diff), or switching language breaks it.
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return "?" + urlencode([*query, ("lang", tag)])

    response = templates.TemplateResponse(
        request,
        template,
        {
            "_": translate,
            "ui_lang": language,
            "lang_url": lang_url,
            "language_name": functools.partial(name_for, reader=language),
            "csrf_token": token,
            "principal": getattr(request.state, "principal", None),
            **context,
        },
        status_code=status_code,
    )
    csrf.set_cookie(response, nonce, secure=secure_cookies(request))
    if request.query_params.get("lang") in TRAINEE_LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, samesite="lax", max_age=365 * 86400)
    return response


def render_error(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(
        request, "error.html", status_code=status_code, status=status_code, message=message
    )
