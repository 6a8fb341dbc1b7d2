"""Quiz slides: parsed into question, choices, key and explanation, or reported by slide."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.decks.reader import read_deck
from app.decks.structure import split_modules
from tests import deckmaker
from tests.conftest import upload
from tests.deckmaker import S


def _parse(tmp_path: Path, *slides: S):  # type: ignore[no-untyped-def]
    deck = read_deck(deckmaker.build(tmp_path / "q.pptx", [("LP-01 制度", list(slides))]))
    return split_modules(deck)


def test_quiz_slide_becomes_a_question(tmp_path: Path) -> None:
    modules, problems = _parse(
        tmp_path,
        deckmaker.quiz(
            "パスポートを会社が預かってもよいですか。",
            ["はい", "いいえ"],
            "B",
            explanation="旅券の保管は禁止されています。",
        ),
    )
    assert problems == []
    slide = modules[0].slides[0]
    assert slide.kind == "quiz"
    assert slide.quiz == {
        "question": "パスポートを会社が預かってもよいですか。",
        "choices": [{"label": "A", "text": "はい"}, {"label": "B", "text": "いいえ"}],
        "answer": "B",
        "explanation": "旅券の保管は禁止されています。",
    }


def test_full_width_labels_and_colons_typed_in_japanese_are_accepted(tmp_path: Path) -> None:
    modules, problems = _parse(
        tmp_path,
        S(
            "最低賃金は？",
            ["Ａ．982円", "Ｂ．1,047円"],
            notes="［quiz］\nanswer：Ｂ\nexplanation：2025年12月から",
        ),
    )
    assert problems == []
    assert modules[0].slides[0].quiz["answer"] == "B"  # type: ignore[index]
    assert modules[0].slides[0].quiz["explanation"] == "2025年12月から"  # type: ignore[index]


@pytest.mark.parametrize(
    ("slide", "code"),
    [
        (S("", ["A. はい", "B. いいえ"], notes="[quiz]\nanswer: A"), "quiz.no-question"),
        (S("質問", ["A. はい"], notes="[quiz]\nanswer: A"), "quiz.too-few-choices"),
        (
            S("質問", ["A. はい", "C. いいえ"], notes="[quiz]\nanswer: A"),
            "quiz.labels-out-of-order",
        ),
        (S("質問", ["はい", "いいえ"], notes="[quiz]\nanswer: A"), "quiz.unlabelled-choice"),
        (S("質問", ["A. はい", "B. いいえ"], notes="[quiz]"), "quiz.no-answer"),
        (
            S("質問", ["A. はい", "B. いいえ"], notes="[quiz]\nanswer: D"),
            "quiz.answer-not-a-choice",
        ),
    ],
    ids=["no-question", "one-choice", "skipped-label", "unlabelled", "no-answer", "bad-answer"],
)
def test_malformed_quiz_is_an_error_with_its_slide_number(
    tmp_path: Path, slide: S, code: str
) -> None:
    modules, problems = _parse(tmp_path, S("導入", ["本文"]), slide)
    assert (problems[0].severity, problems[0].code, problems[0].module, problems[0].slide) == (
        "error",
        code,
        "LP-01",
        2,
    )
    assert modules[0].slides[1].quiz is None


def test_a_deck_with_a_malformed_quiz_is_rejected_and_nothing_is_saved(
    client: TestClient, tmp_path: Path
) -> None:
    modules = deckmaker.lecture("ja")
    modules[2][1][3] = S("質問", ["A. はい", "B. いいえ"], notes="[quiz]\nanswer: X")
    response = upload(client, deckmaker.build(tmp_path / "bad.pptx", modules), "ja")
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert (problem["code"], problem["module"], problem["slide"]) == (
        "quiz.answer-not-a-choice",
        "LP-03",
        12,
    )
    assert client.get("/api/v1/courses/legal-protection/revisions").json() == []


def test_translated_quiz_keeps_the_masters_answer(
    client: TestClient, tmp_path: Path, decks: Path
) -> None:
    upload(client, decks / "ja.pptx", "ja")
    modules = deckmaker.lecture("vi")
    modules[0][1][3] = deckmaker.quiz("Câu hỏi 1", ["Đúng 1", "Sai 1"], "B")
    report = upload(client, deckmaker.build(tmp_path / "vi.pptx", modules), "vi").json()
    assert [(p["code"], p["slide"]) for p in report["problems"]] == [("align.answer-differs", 4)]
    quiz = client.get(
        "/api/v1/courses/legal-protection/revisions/1/modules/LP-01?language=vi"
    ).json()["slides"][3]["quiz"]
    assert quiz["answer"] == "A"
    assert quiz["question"] == "Câu hỏi 1"
