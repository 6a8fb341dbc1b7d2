"""The trainee list template a cooperative downloads, fills in and imports again.

Headings in Japanese and English in one cell (the import reads either, and both together);
how to fill in each column on a second sheet, with an example, so the list itself holds
trainees only.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.cohorts.spreadsheet import FIELDS, TEMPLATE_HEADINGS

TITLE = "技能実習生名簿 / Trainee list"
# Per column: how to fill it in (Japanese, English) and an example value.
INSTRUCTIONS: dict[str, tuple[str, str, str]] = {
    "family_name": (
        "パスポートどおりのローマ字（大文字）",
        "Latin letters as in the passport (capitals)",
        "NGUYEN",
    ),
    "given_name": (
        "パスポートどおりのローマ字。名がない人は空欄",
        "As in the passport; empty for a person with one name only",
        "VAN AN",
    ),
    "name_katakana": ("全角カタカナ", "Full-width katakana", "グエン ヴァン アン"),
    "nationality": (
        "国名または2文字の国コード",
        "Country name or two-letter code",
        "ベトナム / VN",
    ),
    "preferred_language": (
        "講習を受ける言語。コホートの受講言語のいずれか",
        "The language the trainee is taught in; one of the cohort's languages",
        "ベトナム語 / vi",
    ),
    "date_of_birth": (
        "西暦または和暦",
        "Western or Japanese-era date",
        "2003-04-12 / 平成15年4月12日",
    ),
    "employer": (
        "登録済みの名前で。新しい実習実施者は取込み前に確認します",
        "As registered; new employers are confirmed before the import creates them",
        "株式会社 桃太郎精工",
    ),
    "trainee_number": (
        "組合の管理番号（重複不可）",
        "The cooperative's own number (unique)",
        "2026-015",
    ),
}


def trainee_template() -> bytes:
    """The template as an .xlsx file."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "名簿 Trainees"
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["\n".join(TEMPLATE_HEADINGS[field]) for field in FIELDS])
    heading_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, _field in enumerate(FIELDS, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font = Font(bold=True)
        cell.fill = heading_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = 24
        # Text cells: Excel must not turn numbers such as 2026-015 into dates.
        for row in range(3, 203):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.row_dimensions[2].height = 32
    sheet.freeze_panes = "A3"
    help_sheet = workbook.create_sheet("記入方法 How to fill in")
    help_sheet.append(["列 / Column", "記入方法", "How to fill in", "例 / Example"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for field in FIELDS:
        japanese, english, example = INSTRUCTIONS[field]
        help_sheet.append([" / ".join(TEMPLATE_HEADINGS[field]), japanese, english, example])
    help_sheet.append([])
    help_sheet.append(
        [
            "",
            "1行目のタイトルと2行目の見出しは消さずに、3行目から1人1行で記入してください。",
            "Keep the title and the headings; write one trainee per row from row 3.",
        ]
    )
    for letter, width in zip("ABCD", (34, 48, 56, 30), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
