"""Every user-facing message has a Japanese translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT
from app.i18n import TRANSLATIONS_DIR, gettext
from app.languages import LanguageTag, LanguageTags

KEYWORDS = {"N_": None, "_": None, "gettext": (2,)}
METHODS = [("app/**.py", "python"), ("app/web/templates/**.html", "jinja2")]


def _messages_in_code() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT),
        method_map=METHODS,
        keywords=KEYWORDS,  # type: ignore[arg-type]
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def test_every_message_in_the_code_is_translated_to_japanese() -> None:
    with (TRANSLATIONS_DIR / "ja.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_messages_in_code() - set(translated))
    assert missing == [], "run `make messages` and translate these in app/translations/ja.po"
    for message_id, text in translated.items():
        assert set(re.findall(r"{\w+}", str(message_id))) == set(re.findall(r"{\w+}", str(text))), (
            message_id
        )


def test_messages_are_shown_in_the_requested_language() -> None:
    assert gettext("en", "The file is empty.") == "The file is empty."
    japanese = gettext(
        "ja", "The file has {count} parts; at most {limit} are allowed.", count=5000, limit=4000
    )
    assert "5000" in japanese and "4000" in japanese
    assert japanese != "The file has 5000 parts; at most 4000 are allowed."


def test_the_template_file_is_committed_next_to_the_catalog() -> None:
    assert Path(TRANSLATIONS_DIR / "messages.pot").exists()


def test_no_translation_carries_another_messages_english() -> None:
    """A merge of two catalogs can glue one entry's English onto another's translation; the
    reader then sees English in the middle of their language."""
    for path in sorted(TRANSLATIONS_DIR.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        sentences = [str(m.id) for m in catalog if m.id and len(str(m.id).split()) >= 5]
        for message in catalog:
            if message.id and isinstance(message.string, str):
                glued = [s for s in sentences if s != message.id and s in message.string]
                assert not glued, f"{path.name}: {message.id!r} carries {glued}"


def test_a_language_in_a_message_is_named_for_its_reader() -> None:
    message = "{language} is not one of this cohort's languages ({languages})."
    params = {"language": LanguageTag("km"), "languages": LanguageTags(["vi", "ja"])}
    assert gettext("en", message, **params) == (
        "Khmer (ខ្មែរ) is not one of this cohort's languages (Vietnamese (Tiếng Việt), "
        "Japanese (日本語))."
    )
    assert gettext("km", "{language}", language=LanguageTag("km")) == "ខ្មែរ"
