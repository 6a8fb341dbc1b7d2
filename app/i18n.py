"""Translations of user-facing text, read from ``app/translations/<tag>.po`` with Babel.

Messages are written in English in the code (``_("...")`` or ``N_("...")`` where they are
only marked) and looked up when shown, so a stored import report can be shown in the
language of whoever reads it later.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
UI_LANGUAGES = ("ja", "en")  # staff, lecturers and admins
# Trainees see their pages in their own language; every message they can meet is translated.
TRAINEE_LANGUAGES = ("ja", "en", "zh-Hans", "vi", "id", "fil", "th", "km", "my", "mn", "ne")
DEFAULT_UI_LANGUAGE = "ja"


class Message(str):
    """An English message template marked with N_(): text that is translated when shown.

    Passed as a parameter of another message (``InvalidDates(reason=N_("..."))``), it is
    translated too, so a Japanese sentence never ends in an English clause.
    """

    __slots__ = ()


def N_(message: str) -> Message:
    """Mark a message for extraction without translating it yet."""
    return Message(message)


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
    """Return the message in the language (English when untranslated), with params filled in.

    Parameters that are messages themselves (made by N_) are translated as well, and those
    that know how to show themselves to a reader (``localized``, e.g. a language) do so.
    """
    text = _catalog(language).get(message, message) if language != "en" else message
    if not params:
        return text
    return text.format(
        **{
            name: gettext(language, value)
            if isinstance(value, Message)
            else (value.localized(language) if hasattr(value, "localized") else value)
            for name, value in params.items()
        }
    )


# Accept-Language tags Babel's negotiation cannot map on its own: every Chinese reader gets
# the Simplified catalog (the only Chinese one), and Tagalog is offered as Filipino.
_ALIASES = {
    **dict.fromkeys(("zh", "zh-cn", "zh-sg", "zh-tw", "zh-hk", "zh-hant"), "zh-Hans"),
    "tl": "fil",
}


def _preferred(accept_language: str | None) -> list[str]:
    """The header's tags, most wanted first (q=0 means "not this one")."""
    weighted = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        try:
            quality = float(params.strip().removeprefix("q=")) if params else 1.0
        except ValueError:
            quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(weighted)]


def pick_language(
    accept_language: str | None,
    requested: str | None = None,
    offered: tuple[str, ...] = UI_LANGUAGES,
) -> str:
    """Choose the UI language from an explicit choice, else the Accept-Language header."""
    if requested in offered:
        return requested  # type: ignore[return-value]
    chosen = negotiate_locale(_preferred(accept_language), offered, sep="-", aliases=_ALIASES)
    by_lower = {tag.lower(): tag for tag in offered}
    return by_lower.get((chosen or "").lower(), DEFAULT_UI_LANGUAGE)


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
