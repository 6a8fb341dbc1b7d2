"""Every message a trainee can meet is translated into every trainee language.

``app/translations/trainee_messages.txt`` lists those messages, one a line. It is made by
``trainee_messages()`` below, so the list and the code cannot drift apart silently: rename a
trainee-facing string and the first test fails. Regenerate the list with

    .venv/bin/python -m tests.test_trainee_translations

then translate the new lines in every catalog of ``CATALOGS``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.accounts import errors as account_errors
from app.accounts.models import User
from app.cohorts.models import Trainee
from app.config import PROJECT_ROOT
from app.courses import errors as course_errors
from app.errors import DomainError
from app.http.csrf import CsrfFailed
from app.i18n import TRAINEE_LANGUAGES, TRANSLATIONS_DIR, gettext
from app.lectures import errors as lecture_errors
from app.study import errors as study_errors

MESSAGES_FILE = TRANSLATIONS_DIR / "trainee_messages.txt"
TEMPLATES = Path("app/web/templates")
KEYWORDS = {"N_": None, "_": None, "gettext": (2,)}

# Templates only trainees see: every message in them.
TRAINEE_TEMPLATES = ("trainee/*.html", "trainee_login.html", "trainee_home.html")
# Templates shared with staff: only the messages a trainee meets there.
SHARED_TEMPLATE_MESSAGES = {
    # The trainee login page and home page extend it; the other links are for staff roles.
    "base.html": ("Log out",),
    # Any error page a trainee meets outside the trainee pages (404, CSRF, 500).
    "error.html": ("Something needs your attention", "Back"),
    # slide_blocks(), which show_slide() uses on the phone: a picture browsers cannot draw.
    "macros.html": ("picture",),
}
# Python files whose every message a trainee may meet, and files where only some are theirs.
PYTHON_FILES = ("app/errors.py", "app/http/handlers.py")
PYTHON_FILE_MESSAGES = {
    # Answering a poll with a choice that does not exist.
    "app/lectures/phones.py": ("That is not one of the choices.",),
    "app/study/errors.py": (
        "That is not one of the choices.",
        "The current slide is not a quiz slide.",
    ),
    # The printed login card speaks Japanese and the trainee's language.
    "app/web/cohorts.py": (
        "Login code",
        "PIN",
        "Scan the QR code with your phone's camera.",
        "Enter the PIN on this card.",
        "Open your lecture and keep the screen on.",
        "No camera? Open {url} and type your login code.",
    ),
}
# Lecture errors only the lecturer and staff meet, keeping the attendance sheet.
STAFF_ONLY_ERRORS: tuple[type[DomainError], ...] = (
    lecture_errors.GapNotFound,
    lecture_errors.ShortfallsNotAcknowledged,
    lecture_errors.CannotRecord,
    lecture_errors.EvidenceTooLarge,
    lecture_errors.EvidenceNotFound,
    # Scheduling, changing and cancelling lectures: staff and admins only.
    lecture_errors.WarningsNotAcknowledged,
    lecture_errors.LectureNotChangeable,
    lecture_errors.NotYourSchedule,
    lecture_errors.ReasonNeeded,
    lecture_errors.UndoWindowOver,
)
# Errors a trainee may meet: their ``message`` attribute.
ERROR_CLASSES: tuple[type[DomainError], ...] = (
    account_errors.LoginRequired,
    account_errors.Forbidden,
    account_errors.BadPin,
    account_errors.TooManyAttempts,
    CsrfFailed,
    # A self-study address that names no course or module.
    course_errors.CourseNotFound,
    course_errors.ModuleNotFound,
    *(
        value
        for errors_module in (lecture_errors, study_errors)
        for value in vars(errors_module).values()
        if isinstance(value, type)
        and issubclass(value, DomainError)
        and value.__module__ == errors_module.__name__
        and value not in STAFF_ONLY_ERRORS
    ),
)
# Every trainee language but English, in which the messages are written.
CATALOGS = tuple(tag for tag in TRAINEE_LANGUAGES if tag != "en")


def _extract(path: Path) -> set[str]:
    method = "python" if path.suffix == ".py" else "jinja2"
    options = {"extensions": "jinja2.ext.do"} if method == "jinja2" else None
    return {
        message
        for _line, message, _comments, _context in extract_from_file(
            method,
            str(path),
            keywords=KEYWORDS,  # type: ignore[arg-type]
            options=options,
        )
        if isinstance(message, str) and message
    }


def trainee_messages() -> list[str]:
    """The English source of every message a trainee can meet, sorted, without duplicates.

    A listed message that no longer appears where it is expected is left out, so renaming it
    in the code makes the committed list differ from this one.
    """
    found: set[str] = set()
    root = PROJECT_ROOT / TEMPLATES
    for pattern in TRAINEE_TEMPLATES:
        for path in sorted(root.glob(pattern)):
            found |= _extract(path)
    for name, wanted in SHARED_TEMPLATE_MESSAGES.items():
        found |= _extract(root / name) & set(wanted)
    for name in PYTHON_FILES:
        found |= _extract(PROJECT_ROOT / name)
    for name, wanted in PYTHON_FILE_MESSAGES.items():
        found |= _extract(PROJECT_ROOT / name) & set(wanted)
    found |= {error.message for error in ERROR_CLASSES}
    multiline = sorted(message for message in found if "\n" in message)
    assert multiline == [], f"one message a line in {MESSAGES_FILE.name}: {multiline}"
    return sorted(found)


def _listed() -> list[str]:
    return [line for line in MESSAGES_FILE.read_text(encoding="utf-8").splitlines() if line]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{\w*}", text))


def test_the_list_of_trainee_messages_matches_the_code() -> None:
    listed = _listed()
    in_code = trainee_messages()
    assert listed == sorted(set(listed)), f"{MESSAGES_FILE.name} is sorted and unique"
    gone = sorted(set(listed) - set(in_code))
    assert gone == [], "listed but no longer in the code (renamed?); regenerate the list"
    new = sorted(set(in_code) - set(listed))
    assert new == [], "trainees can meet these: regenerate the list and translate them"


def test_every_trainee_message_is_translated_in_every_trainee_language() -> None:
    listed = _listed()
    problems = []
    for tag in CATALOGS:
        with (TRANSLATIONS_DIR / f"{tag}.po").open("rb") as handle:
            catalog = read_po(handle, locale=tag.replace("-", "_"))
        for message_id in listed:
            message = catalog.get(message_id)
            if message is None or not message.string:
                problems.append(f"{tag}: untranslated: {message_id}")
            elif message.fuzzy:
                problems.append(f"{tag}: fuzzy: {message_id}")
            elif _placeholders(message_id) != _placeholders(str(message.string)):
                problems.append(f"{tag}: placeholders differ: {message_id}")
    assert problems == []


# A character of the language's own script; Mongolian is written in Cyrillic here. (Japanese
# may keep "PIN" as it is.)
SCRIPTS = {
    "zh-Hans": "[\u4e00-\u9fff]",
    "th": "[\u0e00-\u0e7f]",
    "km": "[\u1780-\u17ff]",
    "my": "[\u1000-\u109f]",
    "mn": "[\u0400-\u04ff]",
    "ne": "[\u0900-\u097f]",
}


def test_translations_are_written_in_the_languages_script() -> None:
    listed = _listed()
    for tag, script in SCRIPTS.items():
        for message_id in listed:
            text = gettext(tag, message_id)
            assert re.search(script, text), f"{tag}: {message_id} -> {text}"
    for message_id in listed:  # Myanmar in Unicode, not Zawgyi (which puts glyphs at 1060-1097)
        assert not re.search("[\u1060-\u1097]", gettext("my", message_id)), message_id


def test_a_khmer_trainee_reads_their_pages_in_khmer(session_factory, world, signed_in) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        trainee = session.get(Trainee, world.trainee_a.id)
        assert trainee is not None
        trainee.preferred_language = "km"
        user = session.scalar(select(User).where(User.id == trainee.user_id))
        assert user is not None
        user.ui_language = "km"
        session.commit()
    client = signed_in(world.trainee_a)
    page = client.get("/t")
    assert page.status_code == 200
    assert '<html lang="km"' in page.text
    for message_id in ("Your lectures", "Self-study", "Log out"):
        khmer = gettext("km", message_id)
        assert re.search(SCRIPTS["km"], khmer)
        assert khmer in page.text


def test_a_wrong_pin_is_explained_in_the_language_chosen_on_the_login_page(anonymous) -> None:  # type: ignore[no-untyped-def]
    page = anonymous.get("/t/login?lang=my")
    assert '<html lang="my"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = anonymous.post(
        "/t/login", data={"code": "NOSUCHCODE", "pin": "000000", "csrf_token": token.group(1)}
    )
    assert refused.status_code == 401
    assert gettext("my", account_errors.BadPin.message) in refused.text


if __name__ == "__main__":
    messages = trainee_messages()
    MESSAGES_FILE.write_text("".join(f"{message}\n" for message in messages), encoding="utf-8")
    print(f"{len(messages)} messages written to {MESSAGES_FILE}", file=sys.stderr)
