"""Reading slides: titles, text in reading order, tables, groups, notes, pictures, hidden."""

from __future__ import annotations

from pathlib import Path

from app.decks.reader import read_deck
from app.decks.structure import code_and_title, split_modules
from tests import deckmaker
from tests.deckmaker import S


def test_every_part_of_a_slide_is_read(tmp_path: Path) -> None:
    picture = deckmaker.png((200, 30, 30))
    deck = deckmaker.build(
        tmp_path / "d.pptx",
        [
            (
                "LP-01 制度",
                [
                    S(
                        "在留カード",
                        ["常に携帯する", "14日以内に住所を届け出る"],
                        notes="講師メモ",
                        table=[["項目", "期限"], ["住所", "14日"]],
                        picture=picture,
                        group_text=["左の箱", "右の箱"],
                    ),
                ],
            )
        ],
    )
    slide = read_deck(deck).slides[0]
    assert slide.title == "在留カード"
    assert slide.notes == "講師メモ"
    assert slide.layout == "Title and Content"
    assert not slide.hidden
    kinds = [block["type"] for block in slide.blocks]
    assert kinds == ["text", "table", "picture", "text", "text"]  # top to bottom, left to right
    assert slide.blocks[1]["rows"] == [["項目", "期限"], ["住所", "14日"]]
    assert slide.blocks[2]["content_type"] == "image/png"
    assert [b["paragraphs"][0]["text"] for b in slide.blocks[3:]] == ["左の箱", "右の箱"]
    assert slide.text.splitlines() == [
        "在留カード",
        "常に携帯する",
        "14日以内に住所を届け出る",
        "項目 | 期限",
        "住所 | 14日",
        "左の箱",
        "右の箱",
    ]


def test_pictures_are_stored_once_by_sha256(tmp_path: Path) -> None:
    picture = deckmaker.png()
    deck = read_deck(
        deckmaker.build(
            tmp_path / "d.pptx",
            [
                (
                    "A",
                    [
                        S("one", picture=picture),
                        S("two", picture=picture),
                    ],
                )
            ],
        )
    )
    assert len(deck.pictures) == 1
    (digest,) = deck.pictures
    assert [b["sha256"] for s in deck.slides for b in s.blocks if b["type"] == "picture"] == [
        digest,
        digest,
    ]


def test_hidden_flag_and_content_hash(tmp_path: Path) -> None:
    deck = read_deck(
        deckmaker.build(
            tmp_path / "d.pptx",
            [
                (
                    "A",
                    [
                        S("same", ["text"]),
                        S("same", ["text"]),
                        S("same", ["text"], hidden=True),
                        S("same", ["text"], notes="different notes"),
                    ],
                )
            ],
        )
    )
    first, second, hidden, noted = deck.slides
    assert hidden.hidden and not first.hidden
    assert first.content_hash == second.content_hash
    assert len({first.content_hash, hidden.content_hash, noted.content_hash}) == 3


def test_sections_split_modules_and_give_codes(tmp_path: Path) -> None:
    deck = read_deck(deckmaker.build(tmp_path / "d.pptx", deckmaker.lecture("ja")))
    modules, problems = split_modules(deck)
    assert problems == []
    assert [(m.code, m.title, len(m.slides)) for m in modules] == [
        ("LP-01", "技能実習制度", 4),
        ("LP-02", "入管法", 4),
        ("LP-03", "労働法", 4),
        ("LP-04", "相談先", 4),
    ]
    assert [s.kind for s in modules[0].slides] == ["content", "content", "content", "quiz"]


def test_without_sections_section_header_slides_start_modules(tmp_path: Path) -> None:
    deck = read_deck(
        deckmaker.build(
            tmp_path / "d.pptx",
            [
                ("ignored", [S("表紙", layout=deckmaker.TITLE_SLIDE), S("はじめに", ["挨拶"])]),
                (
                    "ignored",
                    [S("LP-02 出入国管理", layout=deckmaker.SECTION_HEADER), S("在留資格", ["x"])],
                ),
                ("ignored", [S("相談窓口", layout=deckmaker.SECTION_HEADER), S("110", ["警察"])]),
            ],
            sections=False,
        )
    )
    modules, _ = split_modules(deck)
    assert [(m.code, m.title, len(m.slides)) for m in modules] == [
        ("1", "表紙", 2),
        ("LP-02", "出入国管理", 2),
        ("3", "相談窓口", 2),
    ]


def test_without_sections_or_headers_the_deck_is_one_module(tmp_path: Path) -> None:
    deck = read_deck(
        deckmaker.build(
            tmp_path / "d.pptx",
            [
                ("x", [S("労働時間", ["1日8時間"]), S("賃金", ["最低賃金"])]),
            ],
            sections=False,
        )
    )
    modules, _ = split_modules(deck)
    assert [(m.code, m.title, len(m.slides)) for m in modules] == [("1", "労働時間", 2)]


def test_module_code_is_the_leading_token_when_it_looks_like_a_code() -> None:
    assert code_and_title("LP-02 出入国管理", 2) == ("LP-02", "出入国管理")
    assert code_and_title("IK-10: 相談先", 4) == ("IK-10", "相談先")
    assert code_and_title("M3 Labour", 3) == ("M3", "Labour")
    assert code_and_title("出入国管理", 2) == ("2", "出入国管理")
    assert code_and_title("Module one", 1) == ("1", "Module one")


def test_duplicate_module_codes_are_an_error(tmp_path: Path) -> None:
    deck = read_deck(
        deckmaker.build(
            tmp_path / "d.pptx",
            [
                ("LP-01 A", [S("a")]),
                ("LP-01 B", [S("b")]),
            ],
        )
    )
    _, problems = split_modules(deck)
    assert [(p.severity, p.code, p.slide) for p in problems] == [
        ("error", "module.duplicate-code", 2)
    ]
