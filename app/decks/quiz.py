"""Quiz slides: a slide whose speaker notes start with ``[quiz]`` is a question.

The title is the question, the body paragraphs are the choices labelled ``A.``, ``B.``, …,
the notes line ``answer: B`` is the key and an optional ``explanation: …`` line explains it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from app.decks.content import SlideContent
from app.decks.problems import Problem
from app.i18n import N_

QUIZ_MARKER = "[quiz]"
_CHOICE = re.compile(r"^([A-Z])\s*[.)]\s*(.+)$", re.DOTALL)
_ANSWER = re.compile(r"^answer\s*:\s*([A-Z])\s*$", re.IGNORECASE)
_EXPLANATION = re.compile(r"^explanation\s*:\s*(.*)$", re.IGNORECASE)


def _normal(text: str) -> str:
    """Fold full-width letters and punctuation (Ａ．, ：) typed by Japanese IMEs to ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def is_quiz(slide: SlideContent) -> bool:
    first_line = slide.notes.strip().splitlines()[0] if slide.notes.strip() else ""
    return _normal(first_line).lower() == QUIZ_MARKER


def parse_quiz(
    slide: SlideContent, module: str | None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Return the quiz and no problems, or None and the problems that say what is malformed."""
    problems: list[Problem] = []

    def malformed(code: str, message: str, **params: Any) -> None:
        problems.append(Problem("error", code, message, params, module=module, slide=slide.number))

    if not slide.title:
        malformed("quiz.no-question", N_("Quiz slide has no title; the title is the question."))
    choices: list[dict[str, str]] = []
    for block in slide.blocks:
        if block["type"] != "text":
            continue
        for paragraph in block["paragraphs"]:
            match = _CHOICE.match(_normal(paragraph["text"]))
            if match is None:
                malformed(
                    "quiz.unlabelled-choice",
                    N_('Quiz choice "{text}" does not start with a label such as "A.".'),
                    text=paragraph["text"][:60],
                )
                continue
            choices.append({"label": match.group(1), "text": match.group(2).strip()})
    labels = [choice["label"] for choice in choices]
    expected = [chr(ord("A") + index) for index in range(len(choices))]
    if len(choices) < 2:
        malformed("quiz.too-few-choices", N_("Quiz slide needs at least two choices (A. and B.)."))
    elif labels != expected:
        malformed(
            "quiz.labels-out-of-order",
            N_("Quiz choices must be labelled {expected} in order; found {found}."),
            expected=", ".join(expected),
            found=", ".join(labels),
        )
    answer = explanation = None
    for line in slide.notes.splitlines()[1:]:
        normal = _normal(line)
        if match := _ANSWER.match(normal):
            answer = match.group(1).upper()
        elif match := _EXPLANATION.match(normal):
            explanation = line.split(":", 1)[-1].split("：", 1)[-1].strip()
    if answer is None:
        malformed("quiz.no-answer", N_('Quiz slide notes have no "answer: X" line.'))
    elif answer not in labels:
        malformed(
            "quiz.answer-not-a-choice",
            N_("The answer {answer} is not one of the choices ({labels})."),
            answer=answer,
            labels=", ".join(labels) or "-",
        )
    if problems:
        return None, problems
    return {
        "question": slide.title,
        "choices": choices,
        "answer": answer,
        "explanation": explanation or "",
    }, []
