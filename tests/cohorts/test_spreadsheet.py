"""Trainee lists as cooperatives save them: CSV in every Japanese-office encoding, and .xlsx.

Every file is built here, the way Excel on Japanese Windows writes it; nothing binary is
committed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook

from app.cohorts import spreadsheet
from app.cohorts.spreadsheet import (
    COLUMN_LABELS,
    FIELDS,
    ParsedSheet,
    RowError,
    TraineeRow,
    parse_trainee_file,
)
from app.languages import LANGUAGES

# The headings of Koshu's own CSV export, so an exported list can be imported again.
ENGLISH_HEADER = [
    "trainee number",
    "family name",
    "given name",
    "katakana",
    "nationality",
    "language",
    "date of birth",
    "employer",
]
JAPANESE_HEADER = ["実習生番号", "姓", "名", "フリガナ", "国籍", "使用言語", "生年月日", "配属先"]
NGUYEN = [
    "2026-015",
    "Nguyen",
    "Van An",
    "グエン ヴァン アン",
    "VN",
    "vi",
    "1999-04-01",
    "株式会社岡山技研",
]
SARI = [
    "2026-016",
    "SARI",
    "DEWI",
    "サリ デウィ",
    "Indonesia",
    "Indonesian",
    "2000-12-24",
    "岡山農園",
]
EXPECTED_NGUYEN = TraineeRow(
    row=2,
    family_name="NGUYEN",
    given_name="VAN AN",
    name_katakana="グエン ヴァン アン",
    nationality="VN",
    preferred_language="vi",
    date_of_birth=date(1999, 4, 1),
    employer="株式会社岡山技研",
    trainee_number="2026-015",
)


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    return csv_text(rows, delimiter).encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, more_sheets: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    for index in range(more_sheets):
        workbook.create_sheet(f"Sheet{index + 2}").append(["not", "read"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def one_row(**changes: str) -> bytes:
    """A UTF-8 CSV with NGUYEN's row, some cells changed (keyed by canonical field)."""
    row = dict(zip(FIELD_ORDER, NGUYEN, strict=True))
    row.update(changes)
    return csv_bytes([ENGLISH_HEADER, [row[field] for field in FIELD_ORDER]])


FIELD_ORDER = [
    "trainee_number",
    "family_name",
    "given_name",
    "name_katakana",
    "nationality",
    "preferred_language",
    "date_of_birth",
    "employer",
]


def codes(parsed: ParsedSheet) -> list[tuple[int | None, str | None, str]]:
    return [(error.row, error.column, error.code) for error in parsed.errors]


def file_error(parsed: ParsedSheet) -> RowError:
    assert parsed.rows == []
    assert len(parsed.errors) == 1, parsed.errors
    error = parsed.errors[0]
    assert error.row is None and error.column is None
    return error


# -- encodings and formats ---------------------------------------------------------------------


def test_a_utf8_csv_with_a_byte_order_mark_gives_every_trainee() -> None:
    parsed = parse_trainee_file(csv_bytes([ENGLISH_HEADER, NGUYEN, SARI]), "list.csv")

    assert parsed.errors == []
    assert parsed.total_rows == 2
    assert parsed.rows[0] == EXPECTED_NGUYEN
    assert parsed.rows[1].row == 3
    assert parsed.rows[1].nationality == "ID"
    assert parsed.rows[1].preferred_language == "id"


def test_a_utf8_csv_without_a_byte_order_mark_is_read_the_same() -> None:
    parsed = parse_trainee_file(csv_bytes([ENGLISH_HEADER, NGUYEN], "utf-8"), "list.csv")

    assert parsed.errors == []
    assert parsed.rows == [EXPECTED_NGUYEN]


def test_a_shift_jis_csv_with_japanese_headings_is_read() -> None:
    rows = [
        JAPANESE_HEADER,
        [
            "2026-015",
            "NGUYEN",
            "VAN AN",
            "ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ",
            "ベトナム",
            "ベトナム語",
            "平成11年4月1日",
            "株式会社岡山技研",
        ],
        [
            "2026-020",
            "SOK",
            "DARA",
            "そく だら",
            "カンボジア",
            "クメール語",
            "H12.5.3",
            "（有）倉敷縫製",
        ],
    ]
    data = csv_bytes(rows, "cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really Shift_JIS, as Excel's "CSV" on Japanese Windows

    parsed = parse_trainee_file(data, "名簿.csv")

    assert parsed.errors == []
    assert parsed.rows[0] == EXPECTED_NGUYEN
    sok = parsed.rows[1]
    assert (sok.name_katakana, sok.nationality, sok.preferred_language) == ("ソク ダラ", "KH", "km")
    assert sok.date_of_birth == date(2000, 5, 3)
    assert sok.employer == "（有）倉敷縫製"  # the employer is kept as written


def test_excels_unicode_text_is_utf16_and_tab_separated() -> None:
    data = csv_bytes([JAPANESE_HEADER, NGUYEN], "utf-16", delimiter="\t")
    assert data.startswith(b"\xff\xfe")

    parsed = parse_trainee_file(data, "list.txt")

    assert parsed.errors == []
    assert parsed.rows == [EXPECTED_NGUYEN]


def test_a_semicolon_separated_csv_is_read() -> None:
    parsed = parse_trainee_file(csv_bytes([ENGLISH_HEADER, NGUYEN], delimiter=";"), "list.csv")

    assert parsed.rows == [EXPECTED_NGUYEN]


def test_an_xlsx_workbook_gives_dates_from_date_cells_and_from_serial_numbers() -> None:
    data = xlsx_bytes(
        [
            ENGLISH_HEADER,
            [*NGUYEN[:6], datetime(1999, 4, 1), NGUYEN[7]],
            [2026016, "SARI", "DEWI", "サリ デウィ", "ID", "id", 36251, "岡山農園"],
            ["2026-017", "MAUNG", "AUNG", "マウン アウン", "MM", "my", date(2001, 1, 2), "X"],
        ]
    )

    # No ".xlsx" in the name: the content says what it is.
    parsed = parse_trainee_file(data, "upload")

    assert parsed.errors == []
    assert parsed.rows[0] == EXPECTED_NGUYEN
    assert parsed.rows[1].date_of_birth == date(1999, 4, 1)  # serial 36251 in a plain cell
    assert parsed.rows[1].trainee_number == "2026016"  # a number cell, without ".0"
    assert parsed.rows[2].date_of_birth == date(2001, 1, 2)


def test_a_short_xlsx_row_lacks_its_last_cells() -> None:
    data = xlsx_bytes([ENGLISH_HEADER, NGUYEN[:7], SARI])

    parsed = parse_trainee_file(data, "list.xlsx")

    assert codes(parsed) == [(2, "employer", "missing")]
    assert [row.row for row in parsed.rows] == [3]


def test_only_the_first_worksheet_of_a_workbook_is_read() -> None:
    parsed = parse_trainee_file(xlsx_bytes([ENGLISH_HEADER, NGUYEN], more_sheets=2), "list.xlsx")

    assert parsed.rows == [EXPECTED_NGUYEN]
    assert parsed.total_rows == 1


def test_blank_rows_are_skipped_but_keep_the_row_numbers_excel_shows() -> None:
    rows: list[list[object]] = [ENGLISH_HEADER, [], NGUYEN, ["", "", ""], SARI]
    for data in (csv_bytes(rows), xlsx_bytes(rows)):  # type: ignore[arg-type]
        parsed = parse_trainee_file(data, "list")

        assert parsed.total_rows == 2
        assert [row.row for row in parsed.rows] == [3, 5]


# -- headings ----------------------------------------------------------------------------------


def test_headings_are_matched_regardless_of_case_width_spaces_and_script() -> None:
    header = [
        "管理番号",
        "ＦＡＭＩＬＹ　ＮＡＭＥ",
        "Given_Name",
        "氏名（カナ）",
        "Nationality ",
        "Preferred Language",
        "Birth Date",
        "Implementing Organisation",
    ]
    parsed = parse_trainee_file(csv_bytes([header, NGUYEN]), "list.csv")

    assert parsed.rows == [EXPECTED_NGUYEN]


def test_unknown_columns_and_a_prefilled_number_column_are_ignored() -> None:
    header = ["No.", *ENGLISH_HEADER, "備考"]
    rows = [header, ["1", *NGUYEN, "寮A"], ["2"] + [""] * 8, ["3"] + [""] * 8]

    parsed = parse_trainee_file(csv_bytes(rows), "list.csv")

    assert parsed.rows == [EXPECTED_NGUYEN]
    assert parsed.total_rows == 1  # rows with only a "No." are blank rows of a template


def test_a_title_above_the_heading_row_is_skipped() -> None:
    rows = [["技能実習生名簿（第3期）", "", ""], [], ENGLISH_HEADER, NGUYEN]

    parsed = parse_trainee_file(csv_bytes(rows), "list.csv")

    assert parsed.errors == []
    assert parsed.rows == [replace(EXPECTED_NGUYEN, row=4)]


def test_missing_columns_are_listed_in_one_file_level_error() -> None:
    parsed = parse_trainee_file(csv_bytes([ENGLISH_HEADER[:5], NGUYEN[:5]]), "list.csv")

    error = file_error(parsed)
    assert error.code == "missing-column"
    assert error.params["fields"] == ["preferred_language", "date_of_birth", "employer"]
    assert error.text("en") == (
        "These columns are missing: Preferred language, Date of birth, "
        "Implementing organisation (employer). Add them to the heading row."
    )


def test_a_first_row_that_names_no_column_is_no_heading_row() -> None:
    error = file_error(parse_trainee_file(csv_bytes([NGUYEN, SARI]), "list.csv"))

    assert error.code == "no-header"


def test_two_columns_for_the_same_field_are_refused() -> None:
    error = file_error(parse_trainee_file(csv_bytes([[*ENGLISH_HEADER, "姓"], NGUYEN]), "x.csv"))

    assert error.code == "duplicate-column"
    assert error.params["column"] == COLUMN_LABELS["family_name"]


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1999-04-01", date(1999, 4, 1)),
        ("1999/4/1", date(1999, 4, 1)),
        ("1999.4.1", date(1999, 4, 1)),
        ("1999年4月1日", date(1999, 4, 1)),
        ("１９９９／０４／０１", date(1999, 4, 1)),
        ("1999/04/01 0:00", date(1999, 4, 1)),
        ("19990401", date(1999, 4, 1)),
        ("36251", date(1999, 4, 1)),
        ("平成11年4月1日", date(1999, 4, 1)),
        ("㍻11年4月1日", date(1999, 4, 1)),
        ("H11.4.1", date(1999, 4, 1)),
        ("h11/4/1", date(1999, 4, 1)),
        ("平成元年4月1日", date(1989, 4, 1)),
        ("S63.1.1", date(1988, 1, 1)),
        ("昭和63年1月1日", date(1988, 1, 1)),
    ],
)
def test_dates_are_read_as_japanese_offices_write_them(written: str, expected: date) -> None:
    parsed = parse_trainee_file(one_row(date_of_birth=written), "list.csv")

    assert parsed.errors == []
    assert parsed.rows[0].date_of_birth == expected


def test_reiwa_dates_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "_today", lambda: date(2040, 1, 1))

    parsed = parse_trainee_file(one_row(date_of_birth="R3/4/1"), "list.csv")

    assert parsed.rows[0].date_of_birth == date(2021, 4, 1)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("2001-02-30", "impossible-date"),
        ("平成31年5月1日", "impossible-date"),  # that day was already 令和元年
        ("S65.1.1", "impossible-date"),
        ((date.today() + timedelta(days=1)).isoformat(), "impossible-date"),
        (f"{date.today().year - 10}-01-01", "impossible-date"),
        (f"{date.today().year - 80}-01-01", "impossible-date"),
        ("01/04/1999", "bad-date"),  # day first or month first? not guessed
        ("1999", "bad-date"),
        ("unknown", "bad-date"),
        ("", "missing"),
    ],
)
def test_impossible_and_unreadable_dates_are_refused_with_the_value(
    written: str, code: str
) -> None:
    parsed = parse_trainee_file(one_row(date_of_birth=written), "list.csv")

    assert codes(parsed) == [(2, "date_of_birth", code)]
    assert parsed.rows == []
    if written:
        assert parsed.errors[0].params["value"] == written
        assert written in parsed.errors[0].text("en")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("VN", "VN"),
        ("vn", "VN"),
        ("Vietnam", "VN"),
        ("Viet Nam", "VN"),
        ("ベトナム", "VN"),
        ("Indonesia", "ID"),
        ("インドネシア", "ID"),
        ("Philippines", "PH"),
        ("フィリピン", "PH"),
        ("Myanmar", "MM"),
        ("ミャンマー", "MM"),
        ("Cambodia", "KH"),
        ("カンボジア", "KH"),
        ("Thailand", "TH"),
        ("タイ", "TH"),
        ("China", "CN"),
        ("中国", "CN"),
        ("Nepal", "NP"),
        ("ネパール", "NP"),
        ("Mongolia", "MN"),
        ("モンゴル", "MN"),
        ("ＶＮ", "VN"),
        ("ベトナム人", "VN"),
    ],
)
def test_nationalities_are_read_from_codes_and_english_and_japanese_names(
    written: str, expected: str
) -> None:
    parsed = parse_trainee_file(one_row(nationality=written), "list.csv")

    assert parsed.rows[0].nationality == expected


def test_an_unknown_nationality_is_refused() -> None:
    parsed = parse_trainee_file(one_row(nationality="Atlantis"), "list.csv")

    assert codes(parsed) == [(2, "nationality", "unknown-nationality")]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("vi", "vi"),
        ("zh-Hans", "zh-Hans"),
        ("ZH-HANS", "zh-Hans"),
        ("km", "km"),
        ("Vietnamese", "vi"),
        ("Khmer", "km"),
        ("Burmese", "my"),
        ("Myanmar", "my"),
        ("Chinese", "zh-Hans"),
        ("Tagalog", "fil"),
        ("Filipino", "fil"),
        ("Nepali", "ne"),
        ("ベトナム語", "vi"),
        ("クメール語", "km"),
        ("ミャンマー語", "my"),
        ("中国語", "zh-Hans"),
        ("タガログ語", "fil"),
        ("インドネシア語", "id"),
        ("タイ語", "th"),
        ("ネパール語", "ne"),
        ("モンゴル語", "mn"),
        ("英語", "en"),
        ("日本語", "ja"),
        ("Tiếng Việt", "vi"),
    ],
)
def test_languages_are_read_from_tags_and_english_and_japanese_names(
    written: str, expected: str
) -> None:
    parsed = parse_trainee_file(one_row(preferred_language=written), "list.csv")

    assert parsed.rows[0].preferred_language == expected


def test_an_unknown_language_is_refused_listing_the_accepted_tags() -> None:
    parsed = parse_trainee_file(one_row(preferred_language="Klingon"), "list.csv")

    assert codes(parsed) == [(2, "preferred_language", "unknown-language")]
    text = parsed.errors[0].text("en")
    assert "Klingon" in text
    assert all(tag in text for tag in LANGUAGES)


def test_names_are_tidied_and_latin_names_uppercased() -> None:
    parsed = parse_trainee_file(
        one_row(
            family_name="  nguyễn ",
            given_name="văn   an",
            name_katakana="ぐえん　ｳﾞｧﾝ  アン",
            employer="  株式会社岡山技研  ",
            trainee_number="２０２６－０１５",
        ),
        "list.csv",
    )

    row = parsed.rows[0]
    assert (row.family_name, row.given_name) == ("NGUYỄN", "VĂN AN")
    assert row.name_katakana == "グエン ヴァン アン"
    assert row.employer == "株式会社岡山技研"
    assert row.trainee_number == "2026-015"


def test_a_trainee_with_a_single_name_has_an_empty_given_name() -> None:
    parsed = parse_trainee_file(one_row(family_name="SUKARNO", given_name=""), "list.csv")

    assert parsed.errors == []
    assert (parsed.rows[0].family_name, parsed.rows[0].given_name) == ("SUKARNO", "")


@pytest.mark.parametrize(
    ("field", "written", "code"),
    [
        ("family_name", "ង្វៀន", "not-latin"),
        ("family_name", "阮", "not-latin"),
        ("given_name", "123", "not-latin"),
        ("name_katakana", "阮文安", "not-katakana"),
        ("name_katakana", "NGUYEN", "not-katakana"),
        ("family_name", "N" * 101, "too-long"),
        ("employer", "株" * 201, "too-long"),
        ("trainee_number", "9" * 51, "too-long"),
        ("name_katakana", "", "missing"),
        ("employer", " ", "missing"),
        ("trainee_number", "", "missing"),
    ],
)
def test_names_and_numbers_that_cannot_be_right_are_refused(
    field: str, written: str, code: str
) -> None:
    parsed = parse_trainee_file(one_row(**{field: written}), "list.csv")

    assert codes(parsed) == [(2, field, code)]


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("employer", '=HYPERLINK("http://x","y")'),
        ("family_name", "+NGUYEN"),
        ("given_name", "@SUM(A1)"),
        ("trainee_number", "-5"),
        ("trainee_number", "\t=1+1"),
        ("name_katakana", "＝グエン"),
        ("employer", "  =1+1"),
    ],
)
def test_cells_that_look_like_formulas_are_refused(field: str, written: str) -> None:
    parsed = parse_trainee_file(one_row(**{field: written}), "list.csv")

    assert codes(parsed) == [(2, field, "formula")]
    assert "formula" in parsed.errors[0].text("en")


def test_an_xlsx_formula_cell_is_refused_and_never_evaluated() -> None:
    data = xlsx_bytes([ENGLISH_HEADER, [*NGUYEN[:7], '=HYPERLINK("http://x","y")']])

    parsed = parse_trainee_file(data, "list.xlsx")

    assert codes(parsed) == [(2, "employer", "formula")]
    assert parsed.errors[0].params["value"] == '=HYPERLINK("http://x","y")'


def test_a_file_with_every_kind_of_bad_row_names_each_row_column_and_code() -> None:
    def changed(**cells: str) -> list[str]:
        row = dict(zip(FIELD_ORDER, NGUYEN, strict=True))
        row.update(cells)
        return [row[field] for field in FIELD_ORDER]

    rows = [
        ENGLISH_HEADER,
        NGUYEN,  # row 2: fine
        changed(trainee_number="2026-101", family_name=""),  # row 3
        changed(trainee_number="2026-102", preferred_language="Klingon"),  # row 4
        changed(trainee_number="2026-103", date_of_birth="2001-02-30"),  # row 5
        [],  # row 6: blank
        changed(),  # row 7: the number of row 2 again
        changed(trainee_number="2026-104", employer='=HYPERLINK("http://x","y")'),  # row 8
        SARI,  # row 9: fine
    ]

    parsed = parse_trainee_file(csv_bytes(rows), "list.csv")

    assert codes(parsed) == [
        (3, "family_name", "missing"),
        (4, "preferred_language", "unknown-language"),
        (5, "date_of_birth", "impossible-date"),
        (7, "trainee_number", "duplicate-in-file"),
        (8, "employer", "formula"),
    ]
    assert [row.row for row in parsed.rows] == [2, 9]
    assert parsed.total_rows == 7  # the blank row is not counted
    duplicate = parsed.errors[3]
    assert duplicate.params["first_row"] == 2
    assert duplicate.text("en") == 'Row 7: trainee number "2026-015" is already used in row 2.'


def test_a_duplicate_number_is_found_whatever_its_width() -> None:
    rows = [ENGLISH_HEADER, NGUYEN, ["２０２６－０１５", *SARI[1:]]]

    parsed = parse_trainee_file(csv_bytes(rows), "list.csv")

    assert codes(parsed) == [(3, "trainee_number", "duplicate-in-file")]


# -- files that are not a trainee list ---------------------------------------------------------


def test_a_legacy_xls_file_is_refused_with_advice_to_save_it_as_xlsx_or_csv() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Workbook".ljust(512, b"\x00")

    error = file_error(parse_trainee_file(data, "list.xls"))

    assert error.code == "legacy-xls"
    assert ".xlsx" in error.text("en") and "CSV" in error.text("en")


def test_a_password_protected_workbook_is_refused() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le")

    assert file_error(parse_trainee_file(data, "list.xlsx")).code == "password-protected"


def test_a_pdf_is_not_a_spreadsheet() -> None:
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"

    error = file_error(parse_trainee_file(data, "list.pdf"))

    assert error.code == "not-a-spreadsheet"
    assert "list.pdf" in error.text("en")


def test_a_picture_is_not_a_spreadsheet() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

    assert file_error(parse_trainee_file(data, "photo.png")).code == "not-a-spreadsheet"


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b",,,\r\n,,,\r\n", "\ufeff".encode()])
def test_an_empty_file_is_refused(data: bytes) -> None:
    assert file_error(parse_trainee_file(data, "list.csv")).code == "empty"


def test_a_file_with_only_the_heading_row_has_no_trainees() -> None:
    for data in (csv_bytes([ENGLISH_HEADER]), xlsx_bytes([JAPANESE_HEADER])):
        parsed = parse_trainee_file(data, "list")

        assert file_error(parsed).code == "no-rows"
        assert parsed.total_rows == 0


def test_more_rows_than_the_limit_refuse_the_whole_file() -> None:
    rows = [ENGLISH_HEADER] + [[f"2026-{n:03}", *NGUYEN[1:]] for n in range(6)]

    parsed = parse_trainee_file(csv_bytes(rows), "list.csv", max_rows=5)

    error = file_error(parsed)
    assert error.code == "too-many-rows"
    assert error.params == {"count": 6, "limit": 5}
    assert parsed.total_rows == 6
    assert len(parse_trainee_file(csv_bytes(rows), "list.csv", max_rows=6).rows) == 6


def test_undecodable_bytes_are_a_bad_encoding_error_naming_the_encodings_to_use() -> None:
    data = ",".join(ENGLISH_HEADER).encode() + b"\r\n2026-015,\x81\xff\x82,X\r\n"

    error = file_error(parse_trainee_file(data, "list.csv"))

    assert error.code == "bad-encoding"
    assert "CSV UTF-8" in error.text("en") and "Shift_JIS" in error.text("en")


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    assert file_error(parse_trainee_file(out.getvalue(), "x.xlsx")).code == "not-a-spreadsheet"


def test_a_damaged_workbook_is_refused() -> None:
    data = xlsx_bytes([ENGLISH_HEADER, NGUYEN])

    error = file_error(parse_trainee_file(data[: len(data) // 2], "list.xlsx"))

    assert error.code == "not-a-spreadsheet"


def rewritten_workbook(
    change: Callable[[str, bytes], bytes] = lambda _name, content: content,
    add: tuple[str, bytes] | None = None,
) -> bytes:
    """A valid workbook copied member by member, with changes no Excel would make."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([ENGLISH_HEADER, NGUYEN])))
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, change(member.filename, source.read(member)))
        if add:
            target.writestr(*add)
    return out.getvalue()


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened() -> None:
    zeros = b"\x00" * (spreadsheet.MAX_UNCOMPRESSED_BYTES + 1)
    data = rewritten_workbook(add=("xl/media/zeros.bin", zeros))
    assert len(data) < 1024 * 1024

    error = file_error(parse_trainee_file(data, "list.xlsx"))

    assert error.code == "too-large"
    assert "50 MB" in error.text("en")


def test_a_workbook_with_a_dtd_is_refused() -> None:
    def add_dtd(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        return content.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet', 1)

    data = rewritten_workbook(add_dtd)
    assert b"DOCTYPE" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")

    assert file_error(parse_trainee_file(data, "list.xlsx")).code == "unsafe-file"


# -- messages ----------------------------------------------------------------------------------


def test_every_column_has_a_label_for_messages() -> None:
    assert set(COLUMN_LABELS) == set(FIELDS) == set(FIELD_ORDER)


def test_error_texts_fill_in_every_placeholder_in_english_and_japanese() -> None:
    parsed = parse_trainee_file(
        one_row(family_name="", preferred_language="Klingon", date_of_birth="1940-01-01"),
        "list.csv",
    )

    assert parsed.errors[0].text("en") == "Row 2: Family name is empty."
    for error in parsed.errors:
        for language in ("en", "ja"):
            text = error.text(language)
            assert "{" not in text and "2" in text
