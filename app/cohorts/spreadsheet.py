"""Read a cooperative's trainee list from an Excel workbook or a CSV file, row by row.

Supervising cooperatives keep their lists in Excel and save them the way Japanese offices do:
``.xlsx``, "CSV" from Excel on Japanese Windows (Shift_JIS, that is cp932), "CSV UTF-8" (with a
byte-order mark), or "Unicode text" (UTF-16, tab-separated). Headings may be English or
Japanese, dates may be Japanese-era dates or Excel serial numbers. This module turns such a
file into ``TraineeRow``s and, for everything it cannot take, ``RowError``s that name the row
as Excel shows it, the column and the value, in a sentence a clerk can act on.

Nothing here touches the database; nothing in a cell is ever evaluated. Cells that look like
spreadsheet formulas are refused, so the values can later be written back into a spreadsheet.

One cohesive thing with one public entry point, ``parse_trainee_file`` (its results are
``ParsedSheet``, ``TraineeRow`` and ``RowError``): the length is the many ways offices write
a trainee list, each of which a reader looks for here, not in pieces elsewhere.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from app import ooxml
from app.i18n import N_, gettext
from app.languages import LANGUAGES

# -- public data -------------------------------------------------------------------------------

FIELDS = (
    "family_name",
    "given_name",
    "name_katakana",
    "nationality",
    "preferred_language",
    "date_of_birth",
    "employer",
    "trainee_number",
)

COLUMN_LABELS: dict[str, str] = {
    "family_name": N_("Family name"),
    "given_name": N_("Given name"),
    "name_katakana": N_("Name in katakana"),
    "nationality": N_("Nationality"),
    "preferred_language": N_("Preferred language"),
    "date_of_birth": N_("Date of birth"),
    "employer": N_("Implementing organisation (employer)"),
    "trainee_number": N_("Trainee number"),
}

# The headings of the template offered for download: Japanese above English in one cell.
TEMPLATE_HEADINGS: dict[str, tuple[str, str]] = {
    "family_name": ("姓（ローマ字）", "Family name"),
    "given_name": ("名（ローマ字）", "Given name"),
    "name_katakana": ("氏名（カタカナ）", "Name in katakana"),
    "nationality": ("国籍", "Nationality"),
    "preferred_language": ("受講言語", "Preferred language"),
    "date_of_birth": ("生年月日", "Date of birth"),
    "employer": ("実習実施者", "Implementing organisation (employer)"),
    "trainee_number": ("実習生番号", "Trainee number"),
}

# Limits. The caller limits the upload's bytes; MAX_FILE_BYTES is only a backstop.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # what an .xlsx may unpack to, all parts together
MAX_ZIP_MEMBERS = 2000
EXCEL_MAX_ROWS = 1_048_576
MAX_LENGTHS = {
    "family_name": 100,
    "given_name": 100,
    "name_katakana": 100,
    "employer": 200,
    "trainee_number": 50,
}
MIN_AGE, MAX_AGE = 15, 70
# Only the first rows are searched for the heading row; rows above it are titles.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class TraineeRow:
    row: int  # the row number as the clerk sees it in Excel (header = row 1)
    family_name: str  # Latin script, as in the passport, e.g. "NGUYEN"
    given_name: str  # e.g. "VAN AN"; empty for a person with one name only (ICAO: no given name)
    name_katakana: str  # full-width katakana, e.g. "グエン ヴァン アン"
    nationality: str  # ISO 3166-1 alpha-2, e.g. "VN"
    preferred_language: str  # one of app.languages.LANGUAGES, e.g. "vi"
    date_of_birth: date
    employer: str  # implementing organisation (実習実施者) name as written, stripped
    trainee_number: str  # the cooperative's own number for the trainee, e.g. "2026-015"


@dataclass(frozen=True)
class RowError:
    row: int | None  # None for file-level errors
    column: str | None  # the canonical field name, e.g. "date_of_birth"
    code: str
    message: str  # English template marked with N_(), with {placeholders}
    params: dict[str, object]

    def text(self, language: str) -> str:
        """The message in ``language``, with the column names translated too."""
        params = dict(self.params)
        if self.column in COLUMN_LABELS and "column" in params:
            params["column"] = gettext(language, COLUMN_LABELS[self.column])
        fields = params.get("fields")
        if isinstance(fields, list | tuple):
            separator = "、" if language in ("ja", "zh-Hans") else ", "
            params["columns"] = separator.join(
                gettext(language, COLUMN_LABELS[f]) for f in fields if f in COLUMN_LABELS
            )
        return gettext(language, self.message, **params)


@dataclass
class ParsedSheet:
    rows: list[TraineeRow]  # the valid rows
    errors: list[RowError]  # every problem, row by row
    total_rows: int  # data rows seen (blank rows skipped and not counted)


# -- messages ----------------------------------------------------------------------------------

EMPTY = N_("The file is empty.")
TOO_LARGE = N_("The file is larger than the upload limit.")
PASSWORD = N_("The file is password-protected. Remove the password and upload again.")
LEGACY_XLS = N_(
    "This is an old-format Excel file (.xls). Open it in Excel, save it as .xlsx or as "
    "CSV UTF-8, and upload it again."
)
PDF = N_("{name} is a PDF file, not a trainee list. Upload the Excel (.xlsx) or CSV file itself.")
NOT_A_SPREADSHEET = N_("{name} is not an Excel (.xlsx) or CSV file.")
NOT_A_WORKBOOK = N_(
    "{name} is a zip archive but not an Excel workbook. Save the list from Excel as .xlsx or "
    "CSV and upload it again."
)
DAMAGED_WORKBOOK = N_(
    "The Excel file could not be read; it may be damaged. Open it in Excel, save it again as "
    ".xlsx, and upload it again."
)
UNPACKS_TOO_LARGE = N_(
    "The Excel file unpacks to more than {limit} MB, far more than a trainee list needs. "
    "It was not read."
)
UNSAFE_WORKBOOK = N_(
    "The Excel file contains parts that Excel never writes; it may have been tampered with "
    "and was not read."
)
BAD_ENCODING = N_(
    "The characters in the file could not be read. In Excel, save the list as "
    '"CSV UTF-8", as CSV (Shift_JIS), or as .xlsx, and upload it again.'
)
BAD_CSV = N_(
    "The CSV file could not be read: a cell is far too long or a quote is not closed. "
    "Save it again from Excel and upload it again."
)
NO_HEADER = N_(
    "No heading row was found. The first filled row must name the columns: family name, "
    "given name, katakana, nationality, language, date of birth, employer, trainee number."
)
MISSING_COLUMNS = N_("These columns are missing: {columns}. Add them to the heading row.")
DUPLICATE_COLUMN = N_(
    'The columns "{first}" and "{second}" both look like {column}. Keep only one of them.'
)
TOO_MANY_ROWS = N_(
    "The file lists {count} trainees; at most {limit} can be imported at once. "
    "Split the list into several files."
)
NO_ROWS = N_("The file has a heading row but no trainees below it.")
TOO_MANY_SHEET_ROWS = N_("The sheet has more rows than Excel allows; it was not read.")

MISSING = N_("Row {row}: {column} is empty.")
TOO_LONG = N_("Row {row}: {column} is longer than {limit} characters.")
FORMULA = N_(
    'Row {row}: {column} "{value}" looks like a spreadsheet formula. Type the value itself, '
    "without = + - or @ at the start."
)
NOT_LATIN = N_(
    'Row {row}: {column} "{value}" must be written in Latin letters as in the passport, '
    "e.g. NGUYEN."
)
NOT_KATAKANA = N_(
    'Row {row}: {column} "{value}" must be written in katakana, e.g. グエン ヴァン アン.'
)
UNKNOWN_NATIONALITY = N_(
    'Row {row}: nationality "{value}" is not a country Koshu knows. Write the country name or '
    "its two-letter code, e.g. Vietnam or VN."
)
UNKNOWN_LANGUAGE = N_(
    'Row {row}: language "{value}" is not one the lecture is given in. Use one of: {accepted}.'
)
BAD_DATE = N_(
    'Row {row}: date of birth "{value}" could not be read. Write it as 1999-04-01 or '
    "平成11年4月1日."
)
IMPOSSIBLE_DATE = N_('Row {row}: date of birth "{value}" does not exist in the calendar.')
FUTURE_DATE = N_('Row {row}: date of birth "{value}" is in the future.')
AGE_OUT_OF_RANGE = N_(
    'Row {row}: date of birth "{value}" makes the trainee {age} years old; trainees are '
    "between {minimum} and {maximum}."
)
DUPLICATE_IN_FILE = N_('Row {row}: trainee number "{value}" is already used in row {first_row}.')


# -- entry point -------------------------------------------------------------------------------


class _FileRejected(Exception):
    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(code)
        self.error = RowError(row=None, column=None, code=code, message=message, params=params)


@dataclass(frozen=True)
class _Formula:
    """An XLSX cell that holds a formula; its text is shown, never evaluated."""

    text: str


Cell = object  # str | int | float | bool | datetime | date | time | _Formula | None


def parse_trainee_file(data: bytes, filename: str, *, max_rows: int = 2000) -> ParsedSheet:
    """Parse an uploaded trainee list (.xlsx or CSV, recognised by content, not by name)."""
    name = _shorten(filename or "", 100)
    try:
        if not data or not data.strip():
            raise _FileRejected("empty", EMPTY)
        if len(data) > MAX_FILE_BYTES:
            raise _FileRejected("too-large", TOO_LARGE)
        kind = ooxml.sniff(data[:8], data.__contains__)
        if kind == "encrypted":
            raise _FileRejected("password-protected", PASSWORD)
        if kind == "legacy-office":
            raise _FileRejected("legacy-xls", LEGACY_XLS)
        if kind == "pdf":
            raise _FileRejected("not-a-spreadsheet", PDF, name=name)
        if kind == "zip":
            return _read_xlsx(data, name, max_rows)
        return _parse_rows(_csv_rows(data, name), max_rows, epoch=_EPOCH_1900)
    except _FileRejected as rejected:
        return ParsedSheet(rows=[], errors=[rejected.error], total_rows=0)


# -- XLSX --------------------------------------------------------------------------------------

_EPOCH_1900 = date(1899, 12, 30)  # serial 61 is 1900-03-01; Excel's 1900-02-29 does not matter
_EPOCH_1904 = date(1904, 1, 1)


# What each container problem means for a clerk: (code, message); see app.ooxml.
_CONTAINER_ERRORS: dict[str, tuple[str, str]] = {
    "too-large-unpacked": ("too-large", UNPACKS_TOO_LARGE),
    "encrypted": ("password-protected", PASSWORD),
    "dtd": ("unsafe-file", UNSAFE_WORKBOOK),
}
_CONTAINER_LIMITS = ooxml.ContainerLimits(
    max_members=MAX_ZIP_MEMBERS, max_unpacked_bytes=MAX_UNCOMPRESSED_BYTES
)


def _check_zip(data: bytes, name: str) -> None:
    """Refuse a zip that is not a sane workbook before openpyxl unpacks anything.

    Every part is unpacked once, in bounded chunks: the real sizes must match what the
    directory claims, and no XML part may carry a DTD, so no entity can expand while openpyxl
    parses it.
    """
    try:
        with ooxml.open_archive(io.BytesIO(data)) as archive:
            members = archive.infolist()
            ooxml.check_count(members, _CONTAINER_LIMITS)
            if not any(m.filename.startswith("xl/") for m in members):
                raise _FileRejected("not-a-spreadsheet", NOT_A_WORKBOOK, name=name)
            ooxml.check_members(members, _CONTAINER_LIMITS, check_names=False)
            handle = io.BytesIO(data)
            for member in members:
                chunks = ooxml.member_chunks(handle, member)
                if member.filename.endswith(ooxml.XML_SUFFIXES):
                    ooxml.scan_xml(member.filename, chunks, utf8_only=False)
                else:
                    ooxml.drain(chunks)
    except ooxml.ContainerError as problem:
        code, message = _CONTAINER_ERRORS.get(
            problem.reason, ("not-a-spreadsheet", DAMAGED_WORKBOOK)
        )
        limit = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
        raise _FileRejected(code, message, limit=limit) from problem
    except (ValueError, OSError, EOFError) as exc:
        raise _FileRejected("not-a-spreadsheet", DAMAGED_WORKBOOK) from exc


def _read_xlsx(data: bytes, name: str, max_rows: int) -> ParsedSheet:
    _check_zip(data, name)
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it drops; none of them matter for reading.
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many kinds (KeyError, ParseError, ...)
            raise _FileRejected("not-a-spreadsheet", DAMAGED_WORKBOOK) from exc
        try:
            if not workbook.worksheets:
                raise _FileRejected("not-a-spreadsheet", DAMAGED_WORKBOOK)
            epoch = _EPOCH_1904 if workbook.epoch == CALENDAR_MAC_1904 else _EPOCH_1900
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # the stored dimension may be wrong; read what is there
            return _parse_rows(_xlsx_rows(sheet.iter_rows()), max_rows, epoch=epoch)
        finally:
            workbook.close()


def _xlsx_rows(rows: Iterable[Sequence[object]]) -> Iterator[tuple[int, list[Cell]]]:
    # openpyxl yields an empty tuple for each row missing between two stored rows.
    iterator = iter(rows)
    number = 0
    while True:
        try:
            cells = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # a sheet part that only fails to parse once it is read
            raise _FileRejected("not-a-spreadsheet", DAMAGED_WORKBOOK) from exc
        number += 1
        if number > EXCEL_MAX_ROWS:
            raise _FileRejected("too-many-rows", TOO_MANY_SHEET_ROWS)
        values: list[Cell] = []
        for cell in cells:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f":
                value = _Formula(value if isinstance(value, str) else "=" + str(value))
            values.append(value)
        yield number, values


# -- CSV ---------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x19\x1b-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x19\x1b-\x1f\x7f]")


def _looks_binary(controls: int, sample_size: int) -> bool:
    # A stray control character in a cell happens (pasted from a PDF); many mean "not text".
    return controls > max(2, sample_size // 100)


def _decode(data: bytes, name: str) -> str:
    head = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in head:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
        if head[1::2].count(0) > len(head) * 0.4:
            encodings = ("utf-16-le",)
        elif head[0::2].count(0) > len(head) * 0.4:
            encodings = ("utf-16-be",)
        else:
            raise _FileRejected("not-a-spreadsheet", NOT_A_SPREADSHEET, name=name)
    else:
        # Neither UTF-8 nor Shift_JIS uses control bytes inside a character.
        if _looks_binary(len(_CONTROL_BYTES.findall(head)), len(head)):
            raise _FileRejected("not-a-spreadsheet", NOT_A_SPREADSHEET, name=name)
        encodings = ("utf-8-sig", "cp932")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.removeprefix("\ufeff")
        sample = text[:4096]
        if _looks_binary(len(_CONTROL.findall(sample)), len(sample)):
            raise _FileRejected("not-a-spreadsheet", NOT_A_SPREADSHEET, name=name)
        return text
    raise _FileRejected("bad-encoding", BAD_ENCODING)


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first filled lines use most."""
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _csv_rows(data: bytes, name: str) -> Iterator[tuple[int, list[Cell]]]:
    text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    # Numbered by record, not by line: a quoted cell with line breaks is one row in Excel too.
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _FileRejected("bad-csv", BAD_CSV) from exc
        number += 1
        yield number, list(record)


# -- rows --------------------------------------------------------------------------------------


def _parse_rows(
    records: Iterator[tuple[int, list[Cell]]], max_rows: int, *, epoch: date
) -> ParsedSheet:
    columns = _find_header(records)
    rows: list[TraineeRow] = []
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    total = 0
    today = _today()
    for number, cells in records:
        values = {field: cells[i] if i < len(cells) else None for field, i in columns.items()}
        if all(_is_blank(v) for v in values.values()):
            continue  # blank, or only a pre-filled "No." or a note in a column we do not read
        total += 1
        if total > max_rows:
            continue  # only counted, so the message can say how many there are
        row, row_errors = _parse_row(number, values, epoch=epoch, today=today)
        number_key = _duplicate_key(values["trainee_number"], row_errors)
        if number_key is not None:
            if number_key in first_seen:
                row_errors.append(
                    _row_error(
                        number,
                        "trainee_number",
                        "duplicate-in-file",
                        DUPLICATE_IN_FILE,
                        value=_shorten(_normalise_number(values["trainee_number"])),
                        first_row=first_seen[number_key],
                    )
                )
            else:
                first_seen[number_key] = number
        if row_errors:
            errors.extend(row_errors)
        elif row is not None:
            rows.append(row)
    if total > max_rows:
        error = RowError(
            row=None,
            column=None,
            code="too-many-rows",
            message=TOO_MANY_ROWS,
            params={"count": total, "limit": max_rows},
        )
        return ParsedSheet(rows=[], errors=[error], total_rows=total)
    if total == 0:
        raise _FileRejected("no-rows", NO_ROWS)
    return ParsedSheet(rows=rows, errors=errors, total_rows=total)


def _find_header(records: Iterator[tuple[int, list[Cell]]]) -> dict[str, int]:
    """Read up to the heading row; return the column index of each field.

    The heading row is the first filled row, unless that row names no column at all: then a
    few more rows are tried, as many lists carry a title ("技能実習生名簿") above the table.
    """
    filled = 0
    for _number, cells in records:
        if all(_is_blank(c) for c in cells):
            continue
        filled += 1
        found: dict[str, int] = {}
        headings: dict[str, str] = {}
        for index, cell in enumerate(cells):
            heading = _text(cell).strip()
            field = _HEADER_ALIASES.get(_header_key(heading))
            if field is None:
                continue
            if field in found:
                raise _FileRejected(
                    "duplicate-column",
                    DUPLICATE_COLUMN,
                    first=_shorten(headings[field]),
                    second=_shorten(heading),
                    column=COLUMN_LABELS[field],
                )
            found[field] = index
            headings[field] = heading
        if found:
            missing = [f for f in FIELDS if f not in found]
            if missing:
                raise _FileRejected(
                    "missing-column",
                    MISSING_COLUMNS,
                    columns=", ".join(COLUMN_LABELS[f] for f in missing),
                    fields=missing,
                )
            return found
        if filled >= HEADER_SEARCH_ROWS:
            break
    if filled == 0:
        raise _FileRejected("empty", EMPTY)
    raise _FileRejected("no-header", NO_HEADER)


def _parse_row(
    number: int, values: dict[str, Cell], *, epoch: date, today: date
) -> tuple[TraineeRow | None, list[RowError]]:
    errors: list[RowError] = []
    parsed: dict[str, object] = {}
    for field in FIELDS:
        try:
            parsed[field] = _PARSERS[field](values[field], epoch, today)
        except _CellError as problem:
            value = values[field]
            shown = value.text if isinstance(value, _Formula) else _text(value)
            params: dict[str, object] = {"value": _shorten(shown.strip()), **problem.params}
            errors.append(_row_error(number, field, problem.code, problem.message, **params))
    if errors:
        return None, errors
    return TraineeRow(row=number, **parsed), []  # type: ignore[arg-type]


def _row_error(number: int, field: str, code: str, message: str, **params: object) -> RowError:
    return RowError(
        row=number,
        column=field,
        code=code,
        message=message,
        params={"row": number, "column": COLUMN_LABELS[field], **params},
    )


def _duplicate_key(value: Cell, row_errors: list[RowError]) -> str | None:
    if any(e.column == "trainee_number" for e in row_errors):
        return None
    return _normalise_number(value).casefold()


# -- cells -------------------------------------------------------------------------------------


# A cell parser: (value, the workbook's date epoch, today) → the field's value.
_Parser = Callable[[Cell, date, date], object]


class _CellError(Exception):
    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.message, self.params = code, message, params


def _today() -> date:
    return date.today()


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Cell) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, _Formula):
        return value.text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_FORMULA_START = ("=", "+", "-", "@")


def _clean_text(value: Cell, field: str, *, required: bool = True) -> str:
    """The cell's text, refused when empty, formula-like or too long."""
    if isinstance(value, _Formula):
        raise _CellError("formula", FORMULA)
    raw = _text(value)
    if raw.startswith(("\t", "\r")) or raw.strip().startswith(_FORMULA_START):
        raise _CellError("formula", FORMULA)
    text = raw.strip()
    if not text:
        if required:
            raise _CellError("missing", MISSING)
        return ""
    limit = MAX_LENGTHS[field]
    if len(text) > limit:
        raise _CellError("too-long", TOO_LONG, limit=limit)
    return text


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _latin_name(field: str, *, required: bool) -> _Parser:
    def parse(value: Cell, _epoch: date, _today: date) -> str:
        text = _clean_text(value, field, required=required)
        name = _collapse(unicodedata.normalize("NFKC", text)).upper()
        if name.startswith(_FORMULA_START):  # full-width ＝ becomes = under NFKC
            raise _CellError("formula", FORMULA)
        if name and not _is_latin_name(name):
            raise _CellError("not-latin", NOT_LATIN)
        return name

    return parse


_NAME_PUNCTUATION = set(" -'’.,")


def _is_latin_name(name: str) -> bool:
    letters = 0
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L"):
            if "LATIN" not in unicodedata.name(char, ""):
                return False
            letters += 1
        elif not (category.startswith("M") or char in _NAME_PUNCTUATION):
            return False
    return letters > 0


def _to_katakana(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)  # half-width ｸﾞｴﾝ becomes グエン
    return "".join(
        chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" or c in "\u309d\u309e" else c for c in text
    )


def _is_katakana(text: str) -> bool:
    has_kana = False
    for char in text:
        if "\u30a1" <= char <= "\u30fa" or "\u31f0" <= char <= "\u31ff":
            has_kana = True
        elif char not in "ー・ヽヾ ":
            return False
    return has_kana


def _katakana(value: Cell, _epoch: date, _today: date) -> str:
    text = _clean_text(value, "name_katakana")
    name = _collapse(_to_katakana(text))
    if name.startswith(_FORMULA_START):
        raise _CellError("formula", FORMULA)
    if not _is_katakana(name):
        raise _CellError("not-katakana", NOT_KATAKANA)
    return name


def _employer(value: Cell, _epoch: date, _today: date) -> str:
    # Kept as written (no width conversion): only the edges and line breaks are cleaned.
    text = _clean_text(value, "employer")
    return re.sub(r"[\r\n\t]+", " ", unicodedata.normalize("NFC", text))


def _normalise_number(value: Cell) -> str:
    return _collapse(unicodedata.normalize("NFKC", _text(value)))


def _trainee_number(value: Cell, _epoch: date, _today: date) -> str:
    _clean_text(value, "trainee_number")
    number = _normalise_number(value)  # full-width ２０２６－０１５ becomes 2026-015
    if number.startswith(_FORMULA_START):
        raise _CellError("formula", FORMULA)
    return number


def _key(text: str) -> str:
    """Compare names loosely: width, case, spaces and punctuation do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(
        chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text
    )  # ふりがな and フリガナ alike
    return re.sub(r"[\s_\-・.,:;*※'’()\[\]{}<>「」【】〔〕]+", "", text)


# -- headings ----------------------------------------------------------------------------------

_HEADINGS: dict[str, tuple[str, ...]] = {
    "family_name": (
        "family name",
        "family_name",
        "surname",
        "last name",
        "name (family)",
        "姓",
        "氏名（姓）",
        "ローマ字姓",
        "姓（ローマ字）",
        "姓（英字）",
        "氏名（ローマ字姓）",
    ),
    "given_name": (
        "given name",
        "given_name",
        "given names",
        "first name",
        "name (given)",
        "名",
        "氏名（名）",
        "ローマ字名",
        "名（ローマ字）",
        "名（英字）",
        "氏名（ローマ字名）",
    ),
    "name_katakana": (
        "katakana",
        "name katakana",
        "name_katakana",
        "name in katakana",
        "name (katakana)",
        "カタカナ",
        "フリガナ",
        "氏名（カナ）",
        "氏名（カタカナ）",
        "氏名（フリガナ）",
        "カナ",
        "カナ氏名",
        "カタカナ氏名",
        "フリガナ氏名",
        "氏名カナ",
    ),
    "nationality": ("nationality", "country", "国籍", "国籍・地域", "国・地域"),
    "preferred_language": (
        "language",
        "preferred language",
        "preferred_language",
        "lecture language",
        "言語",
        "使用言語",
        "母語",
        "母国語",
        "受講言語",
        "希望言語",
    ),
    "date_of_birth": (
        "date of birth",
        "date_of_birth",
        "birth date",
        "birthdate",
        "birthday",
        "dob",
        "生年月日",
        "誕生日",
    ),
    "employer": (
        "employer",
        "implementing organisation",
        "implementing organization",
        "implementing organisation (employer)",
        "company",
        "実習実施者",
        "実習実施者名",
        "受入企業",
        "受入れ企業",
        "受け入れ企業",
        "配属先",
        "勤務先",
    ),
    "trainee_number": (
        "trainee number",
        "trainee_number",
        "trainee no",
        "trainee id",
        "number",
        "id",
        "番号",
        "実習生番号",
        "管理番号",
        "整理番号",
        "技能実習生番号",
    ),
}


def _header_key(heading: str) -> str:
    key = _key(heading)
    for marker in ("必須", "required"):  # "姓（必須）", "Family name (required)"
        key = key.replace(marker, "")
    return key


_HEADER_ALIASES: dict[str, str] = {
    _header_key(alias): field
    for field, aliases in _HEADINGS.items()
    for alias in (*aliases, COLUMN_LABELS[field], "\n".join(TEMPLATE_HEADINGS[field]))
}


# -- nationality -------------------------------------------------------------------------------

# Names a clerk writes that the CLDR names do not cover: official names, demonyms.
_COUNTRY_ALIASES = {
    "VN": (
        "Viet Nam",
        "Vietnamese",
        "Socialist Republic of Vietnam",
        "ベトナム社会主義共和国",
        "越南",
    ),
    "ID": ("Indonesian", "Republic of Indonesia", "インドネシア共和国"),
    "PH": ("Filipino", "Philippine", "Republic of the Philippines", "フィリピン共和国", "比国"),
    "MM": (
        "Burma",
        "Burmese",
        "Myanmar",
        "Myanmarese",
        "ミャンマー",
        "ビルマ",
        "ミャンマー連邦共和国",
    ),
    "KH": ("Cambodian", "Kingdom of Cambodia", "カンボジア王国", "Khmer"),
    "TH": ("Thai", "Kingdom of Thailand", "タイ王国"),
    "CN": ("Chinese", "PRC", "People's Republic of China", "中華人民共和国", "中国（本土）"),
    "NP": ("Nepali", "Nepalese", "ネパール連邦民主共和国"),
    "MN": ("Mongolian", "モンゴル国"),
    "LA": ("Laos", "Lao", "Laotian", "ラオス"),
    "LK": ("Sri Lankan",),
    "IN": ("Indian",),
    "BD": ("Bangladeshi",),
    "PK": ("Pakistani",),
    "UZ": ("Uzbek",),
    "KG": ("Kyrgyz",),
}
# CLDR region codes that are not countries.
_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    from babel import Locale

    table: dict[str, str] = {}
    for locale in ("en", "ja"):
        for code, name in Locale(locale).territories.items():
            if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
                continue
            table.setdefault(_key(code), code)
            table.setdefault(_key(name), code)
            # "Myanmar (Burma)", "ミャンマー (ビルマ)": the name before the brackets alone too
            if "(" in name:
                table.setdefault(_key(name.split("(")[0]), code)
    for code, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases:
            table[_key(alias)] = code
    return table


def _nationality(value: Cell, _epoch: date, _today: date) -> str:
    if isinstance(value, _Formula):
        raise _CellError("formula", FORMULA)
    text = _text(value).strip()
    if not text:
        raise _CellError("missing", MISSING)
    countries = _countries()
    key = _key(text)
    code = countries.get(key) or countries.get(key.removesuffix("人").removesuffix("国籍"))
    if code is None:
        raise _CellError("unknown-nationality", UNKNOWN_NATIONALITY)
    return code


# -- language ----------------------------------------------------------------------------------

_LANGUAGE_ALIASES = {
    "ja": ("Japanese", "日本語", "にほんご", "nihongo"),
    "en": ("English", "英語"),
    "zh-Hans": (
        "zh",
        "zh-CN",
        "zh-Hans-CN",
        "Chinese",
        "Mandarin",
        "Simplified Chinese",
        "Chinese Simplified",
        "中国語",
        "中文",
        "简体中文",
        "簡体字",
        "中国語（簡体字）",
        "普通话",
        "汉语",
    ),
    "vi": ("Vietnamese", "Tiếng Việt", "Tieng Viet", "ベトナム語"),
    "id": ("Indonesian", "Bahasa Indonesia", "Bahasa", "インドネシア語"),
    "fil": ("tl", "Tagalog", "Filipino", "Pilipino", "タガログ語", "フィリピン語", "フィリピノ語"),
    "th": ("Thai", "タイ語", "ภาษาไทย"),
    "km": ("Khmer", "Cambodian", "クメール語", "カンボジア語", "ភាសាខ្មែរ"),
    "my": ("Burmese", "Myanmar", "ミャンマー語", "ビルマ語", "မြန်မာဘာသာ"),
    "mn": ("Mongolian", "モンゴル語", "Монгол хэл"),
    "ne": ("Nepali", "Nepalese", "ネパール語"),
}


@lru_cache(maxsize=1)
def _languages() -> dict[str, str]:
    table: dict[str, str] = {}
    for tag, names in LANGUAGES.items():
        for name in (tag, names["name"], names["english"], names["english"].split("(")[0]):
            table[_key(name)] = tag
    for tag, aliases in _LANGUAGE_ALIASES.items():
        for alias in aliases:
            table[_key(alias)] = tag
    return table


def _language(value: Cell, _epoch: date, _today: date) -> str:
    if isinstance(value, _Formula):
        raise _CellError("formula", FORMULA)
    text = _text(value).strip()
    if not text:
        raise _CellError("missing", MISSING)
    tag = _languages().get(_key(text))
    if tag is None:
        raise _CellError("unknown-language", UNKNOWN_LANGUAGE, accepted=", ".join(LANGUAGES))
    return tag


# -- dates -------------------------------------------------------------------------------------

# Japanese eras: first day, last day. Meiji and Taishō births are too old for a trainee.
_ERAS = {
    "S": (date(1926, 12, 25), date(1989, 1, 7)),
    "H": (date(1989, 1, 8), date(2019, 4, 30)),
    "R": (date(2019, 5, 1), date.max),
}
_ERA_NAMES = {"昭和": "S", "平成": "H", "令和": "R", "S": "S", "H": "H", "R": "R"}
_SEP = r"\s*[-/.年月]\s*"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_KANJI = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_ERA = re.compile(
    r"(昭和|平成|令和|[SHR])\s*(\d{1,2}|元)" + _SEP + r"(\d{1,2})" + _SEP + r"(\d{1,2})\s*日?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")  # 19990401, as many Japanese systems export
_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")  # an Excel serial written as text: 10000 is 1927


class _NoSuchDate(Exception):
    pass


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _NoSuchDate from exc


def _from_serial(serial: float, epoch: date) -> date:
    if not 1 <= serial < 2_958_466:  # 9999-12-31 in the 1900 system
        raise _NoSuchDate
    return epoch + timedelta(days=int(serial))


def _date_from_text(text: str, epoch: date) -> date | None:
    text = unicodedata.normalize("NFKC", text).strip().upper()  # ㍻ → 平成, ２ → 2
    if match := _ISO.fullmatch(text) or _KANJI.fullmatch(text) or _COMPACT.fullmatch(text):
        return _make_date(*(int(part) for part in match.groups()[:3]))
    if match := _ERA.fullmatch(text):
        era, year_text, month, day = match.groups()
        first, last = _ERAS[_ERA_NAMES[era]]
        year = 1 if year_text == "元" else int(year_text)
        result = _make_date(first.year + year - 1, int(month), int(day))
        if not first <= result <= last:  # e.g. 平成31年5月1日 is 令和元年5月1日
            raise _NoSuchDate
        return result
    if match := _SERIAL.fullmatch(text):
        return _from_serial(int(match.group(1)), epoch)
    return None


def _date_of_birth(value: Cell, epoch: date, today: date) -> date:
    if isinstance(value, _Formula):
        raise _CellError("formula", FORMULA)
    try:
        if isinstance(value, datetime):
            born: date | None = value.date()
        elif isinstance(value, date):
            born = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            born = _from_serial(value, epoch)  # a date column holding a plain number
        elif isinstance(value, str):
            if not value.strip():
                raise _CellError("missing", MISSING)
            born = _date_from_text(value, epoch)
        elif value is None:
            raise _CellError("missing", MISSING)
        else:
            born = None
    except _NoSuchDate as exc:
        raise _CellError("impossible-date", IMPOSSIBLE_DATE) from exc
    if born is None:
        raise _CellError("bad-date", BAD_DATE)
    if born > today:
        raise _CellError("impossible-date", FUTURE_DATE)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        raise _CellError(
            "impossible-date", AGE_OUT_OF_RANGE, age=age, minimum=MIN_AGE, maximum=MAX_AGE
        )
    return born


_PARSERS: dict[str, _Parser] = {
    "family_name": _latin_name("family_name", required=True),
    "given_name": _latin_name("given_name", required=False),
    "name_katakana": _katakana,
    "nationality": _nationality,
    "preferred_language": _language,
    "date_of_birth": _date_of_birth,
    "employer": _employer,
    "trainee_number": _trainee_number,
}
