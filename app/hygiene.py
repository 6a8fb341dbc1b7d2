"""What typed text and links may contain: one rule each, for every field that takes them.

Names and other text reach pages, CSV and XLSX exports and printed records, so they carry no
control characters (a name with a line feed breaks a CSV row and hides a formula behind it)
and no bidirectional overrides (which make a name read differently from what it is); a
multi-line text may contain line breaks and tabs only. Links are http or https addresses
with a host, so a page never turns ``javascript:`` into something to click.

The rules apply twice, from the same functions: pydantic types for API bodies (``Line``,
``MultiLine``, ``WebUrl``) and attribute guards on the model columns (``guard``), so a page
form, a spreadsheet import or the command line cannot store what the API refuses.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator
from sqlalchemy import event
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import InvalidInput
from app.i18n import N_

# Reorder text visually: U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\t")


class InvalidText(InvalidInput):
    code = "invalid-text"
    message = N_(
        "Names and other text cannot contain control characters (such as line breaks in a "
        "name) or direction overrides."
    )


class InvalidUrl(InvalidInput):
    code = "invalid-url"
    message = N_("A link must be a web address starting with http:// or https://.")


def text_problem(value: str, *, multiline: bool = False) -> bool:
    """True when the text holds a character no name or text field may contain."""
    allowed = _LINE_BREAKS if multiline else frozenset()
    return any(
        (unicodedata.category(char) == "Cc" and char not in allowed) or char in _BIDI_CONTROLS
        for char in value
    )


def is_web_url(value: object) -> bool:
    """True for an http or https address with a host (and nothing a browser would strip)."""
    if not isinstance(value, str) or value != value.strip() or text_problem(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _line(value: str) -> str:
    if text_problem(value):
        raise ValueError(InvalidText.message)
    return value


def _multiline(value: str) -> str:
    if text_problem(value, multiline=True):
        raise ValueError(InvalidText.message)
    return value


def _web_url(value: str) -> str:
    value = value.strip()
    if value and not is_web_url(value):
        raise ValueError(InvalidUrl.message)
    return value


Line = Annotated[str, AfterValidator(_line)]
MultiLine = Annotated[str, AfterValidator(_multiline)]
WebUrl = Annotated[str, AfterValidator(_web_url)]  # "" for no link


def _guard_line(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    if isinstance(value, str) and text_problem(value):
        raise InvalidText()
    return value


def _guard_multiline(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    if isinstance(value, str) and text_problem(value, multiline=True):
        raise InvalidText()
    return value


def _guard_url(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    if isinstance(value, str) and value and not is_web_url(value):
        raise InvalidUrl()
    return value


def guard(
    *,
    lines: tuple[InstrumentedAttribute[Any], ...] = (),
    texts: tuple[InstrumentedAttribute[Any], ...] = (),
    urls: tuple[InstrumentedAttribute[Any], ...] = (),
) -> None:
    """Refuse, on assignment, a value the rules above do not allow (InvalidText, InvalidUrl)."""
    for attributes, check in ((lines, _guard_line), (texts, _guard_multiline), (urls, _guard_url)):
        for attribute in attributes:
            event.listen(attribute, "set", check, retval=True)
