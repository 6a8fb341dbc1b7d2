"""Language tags Koshu knows, with their names and what a page needs to render them."""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError

# Tags from the OTIT handbook languages plus Nepali; Japanese is the master of every deck.
LANGUAGES: dict[str, dict[str, str]] = {
    "ja": {"name": "日本語", "english": "Japanese"},
    "en": {"name": "English", "english": "English"},
    "zh-Hans": {"name": "简体中文", "english": "Chinese (Simplified)"},
    "vi": {"name": "Tiếng Việt", "english": "Vietnamese"},
    "id": {"name": "Bahasa Indonesia", "english": "Indonesian"},
    "fil": {"name": "Filipino", "english": "Filipino (Tagalog)"},
    "th": {"name": "ไทย", "english": "Thai"},
    "km": {"name": "ខ្មែរ", "english": "Khmer"},
    "my": {"name": "မြန်မာ", "english": "Myanmar"},
    "mn": {"name": "Монгол", "english": "Mongolian"},
    "ne": {"name": "नेपाली", "english": "Nepali"},
}

# Scripts that do not separate words with spaces: text must wrap anywhere, and the page
# needs fonts that carry the script (Noto Sans Khmer/Myanmar/Thai are installed by the setup).
NO_SPACE_SCRIPTS = {"th", "km", "my", "ja", "zh-Hans"}


def is_known(tag: str) -> bool:
    return tag in LANGUAGES


def language_name(tag: str) -> str:
    return LANGUAGES.get(tag, {"name": tag})["name"]


@functools.lru_cache(maxsize=32)
def _cldr_names(reader: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(reader.replace("-", "_")).languages)
    except (UnknownLocaleError, ValueError):
        return {}


class LanguageTag(str):
    """A language tag passed to a message: shown as the reader's name for the language
    (``gettext`` asks ``localized``), so a Japanese sentence says クメール語, not km."""

    __slots__ = ()

    def localized(self, reader: str) -> str:
        return name_for(self, reader)


class LanguageTags(tuple[str, ...]):
    """Several language tags passed to a message: the reader's names for them, listed."""

    __slots__ = ()

    def __str__(self) -> str:
        return ", ".join(self)

    def localized(self, reader: str) -> str:
        return ", ".join(name_for(tag, reader) for tag in self)


def name_for(tag: str, reader: str) -> str:
    """A language's name for a reader of ``reader``: CLDR's name in the reader's language with
    the language's own name after it (クメール語 (ខ្មែរ)); the own name alone for its readers,
    or when CLDR does not know it."""
    own = language_name(tag)
    if tag == reader:
        return own
    names = _cldr_names(reader)
    key = tag.replace("-", "_")
    local = names.get(key) or names.get(key.split("_")[0])
    if not local or local == own:
        return own
    return f"{local} ({own})"
