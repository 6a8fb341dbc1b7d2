"""Translations of user-facing text, read from ``app/translations/<tag>.po`` with Babel.

Messages are written in English in the code (``_("...")`` or ``N_("...")`` where they are
only marked) and looked up when shown, so a stored import report can be shown in the
language of whoever reads it later.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
UI_LANGUAGES = ("ja", "en")
DEFAULT_UI_LANGUAGE = "ja"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


@lru_cache
def _catalog(language: str) -> dict[str, str]:
    path = TRANSLATIONS_DIR / f"{language}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language.replace("-", "_"))
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def gettext(language: str, message: str, /, **params: Any) -> str:
    """Return the message in the language (English when untranslated), with params filled in."""
    text = _catalog(language).get(message, message) if language != "en" else message
    return text.format(**params) if params else text


def pick_language(accept_language: str | None, requested: str | None = None) -> str:
    """Choose the UI language from an explicit choice, else the Accept-Language header."""
    if requested in UI_LANGUAGES:
        return requested  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in UI_LANGUAGES:
            return base
    return DEFAULT_UI_LANGUAGE


# Words that templates translate from data (statuses, severities, changes), marked here so the
# extractor finds them.
DATA_WORDS = (
    N_("complete"),
    N_("incomplete"),
    N_("stale"),
    N_("missing"),
    N_("draft"),
    N_("published"),
    N_("accepted"),
    N_("rejected"),
    N_("queued"),
    N_("running"),
    N_("done"),
    N_("failed"),
    N_("unavailable"),
    N_("none"),
    N_("error"),
    N_("warning"),
    N_("info"),
    N_("added"),
    N_("removed"),
    N_("changed"),
    N_("unchanged"),
    N_("current"),
    N_("untranslated"),
)
