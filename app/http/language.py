"""Which language a request is answered in."""

from __future__ import annotations

from fastapi import Request

from app.i18n import TRAINEE_LANGUAGES, pick_language

LANGUAGE_COOKIE = "koshu_lang"


def is_trainee_side(request: Request) -> bool:
    """Trainee pages (``/t/...``) and any request of a signed-in trainee."""
    principal = getattr(request.state, "principal", None)
    return (principal is not None and principal.role == "trainee") or (
        request.url.path == "/t" or request.url.path.startswith("/t/")
    )


def request_language(request: Request) -> str:
    """The UI language: ?lang=, else the language cookie the pages set, else Accept-Language.

    A trainee reads in their own language (any of TRAINEE_LANGUAGES), as do the trainee pages
    before login; staff pages are in Japanese or English.
    """
    principal = getattr(request.state, "principal", None)
    requested = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if is_trainee_side(request):
        if requested not in TRAINEE_LANGUAGES and principal is not None:
            requested = principal.ui_language
        return pick_language(request.headers.get("accept-language"), requested, TRAINEE_LANGUAGES)
    return pick_language(request.headers.get("accept-language"), requested)
