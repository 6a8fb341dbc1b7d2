"""The record's long sheets are written as XML text, cells without their references: every
value must land in its own column and read back as the value it was, empty cells included."""

from __future__ import annotations

import io
from datetime import date, time
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from app.records import exports

COLUMNS = ["実施日", "開始時刻", "氏名", "到着時刻", "分", "出席", "備考"]


def _row(number: int) -> list[Any]:
    """Values of every kind a sheet holds, with gaps in the middle and at the end."""
    return [
        date(2026, 4, 1 + number % 28),
        time(9, number % 60),
        f"NGUYEN VAN {number:04d}",
        None if number % 3 else time(9, 5),  # an absent trainee has no arrival time
        number % 120,
        number % 2 == 0,  # a bool is not the number 1 or 0, though equal to them as a key
        ["", "=1+1", " 先頭に空白", "理由1\r\n理由2", "<&>", None][number % 6],
    ]


def _expected(value: Any) -> Any:
    if value in ("", None):
        return None
    if value == "=1+1":
        return "'=1+1"  # text a spreadsheet could run as a formula is kept inert
    return value


@pytest.mark.parametrize("count", [5, 2_500], ids=["styled", "long-unstyled"])
def test_every_value_reads_back_in_its_column(count: int) -> None:
    workbook = Workbook(write_only=True)
    exports._add_styles(workbook)
    rows = [_row(number) for number in range(count)]
    exports._sheet(workbook, "明細", rows, COLUMNS)
    read = load_workbook(io.BytesIO(exports._saved(workbook)))["明細"]
    values = list(read.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS
    assert len(values) == count + 1
    for written, back in zip(rows, values[1:], strict=True):
        back = list(back) + [None] * (len(COLUMNS) - len(back))
        expected = [_expected(value) for value in written]
        # dates and times come back as datetimes and times of the same moment
        assert back[0].date() == expected[0]
        assert back[1:] == expected[1:], (written, back)
