"""A Japanese error message is Japanese all through, including the clauses passed into it.

The source is read for every domain error raised with a message as a parameter
(``InvalidDates(reason=N_("..."))``); each is rendered in Japanese, and no English sentence
may be left in it. A new error of that shape is checked without anyone listing it here.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import app
from app.errors import DomainError
from app.i18n import N_, gettext
from app.lectures.errors import LECTURE_STATUS_WORDS, LectureStateError

APP_DIR = Path(app.__file__).parent
# Three English words in a row: a sentence (or clause) nobody translated.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,.:]+[A-Za-z]{2,}){2,}")


def _domain_errors() -> dict[str, type[DomainError]]:
    for module in pkgutil.walk_packages([str(APP_DIR)], prefix="app."):
        importlib.import_module(module.name)
    found: dict[str, type[DomainError]] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def _is_marked(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"


def _raised_with_message_params() -> list[tuple[str, str, dict[str, ast.expr]]]:
    """(where, error class name, keyword arguments) of calls passing a marked message."""
    calls = []
    for path in sorted(APP_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if any(_is_marked(sub) for value in keywords.values() for sub in ast.walk(value)):
                where = f"{path.relative_to(APP_DIR.parent)}:{node.lineno}"
                calls.append((where, node.func.id, keywords))
    return calls


ERRORS = _domain_errors()
CALLS = [call for call in _raised_with_message_params() if call[1] in ERRORS]


def test_the_source_has_such_errors_to_check() -> None:
    assert {name for _, name, _ in CALLS} >= {"InvalidDates", "InvalidLecture"}


@pytest.mark.parametrize(("where", "name", "keywords"), CALLS, ids=[c[0] for c in CALLS])
def test_an_error_with_a_message_parameter_is_wholly_japanese(
    where: str, name: str, keywords: dict[str, ast.expr]
) -> None:
    params: dict[str, object] = {}
    for key, value in keywords.items():
        # A message must be passed as N_("...") itself: text glued to it cannot be translated.
        assert _is_marked(value) or not any(_is_marked(s) for s in ast.walk(value)), (
            f"{where}: {key}= builds a message by joining text; pass N_() alone"
        )
        literal = value.args[0] if isinstance(value, ast.Call) and _is_marked(value) else None
        params[key] = N_(ast.literal_eval(literal)) if literal is not None else "X"
    error = ERRORS[name](**params)
    japanese = error.text("ja")
    assert japanese != error.text("en"), f"{where}: {name} has no Japanese translation"
    assert not ENGLISH_RUN.search(japanese), f"{where}: English left in {japanese!r}"


@pytest.mark.parametrize("status", sorted(LECTURE_STATUS_WORDS))
def test_a_lecture_status_inside_a_message_is_translated(status: str) -> None:
    japanese = LectureStateError(status=status).text("ja")
    assert gettext("ja", LECTURE_STATUS_WORDS[status]) in japanese
    assert status not in japanese
