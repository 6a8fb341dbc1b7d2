"""Importing a cohort's trainee list through the API, as a cooperative's staff would, and
exporting it again as CSV. Every file is built here the way Excel writes it."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry
from app.cohorts import spreadsheet
from app.cohorts.errors import SpreadsheetTooLarge
from app.cohorts.models import Cohort
from app.cohorts.router import MAX_SPREADSHEET_BYTES
from app.cohorts.spreadsheet import RowError
from app.languages import LANGUAGES
from tests.conftest import World

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
JAPANESE_HEADER = ["実習生番号", "姓", "名", "カタカナ", "国籍", "言語", "生年月日", "実習実施者"]
NGUYEN = [
    "2026-015",
    "NGUYEN",
    "VAN AN",
    "グエン ヴァン アン",
    "VN",
    "vi",
    "1999-04-01",
    "岡山技研",
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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The employers these files name, confirmed for creation as staff would after the preview.
NEW_EMPLOYERS = ["岡山技研", "岡山農園", "（有）倉敷縫製"]


@pytest.fixture(autouse=True)
def _cohorts_taught_in_every_language(world: World, session_factory: sessionmaker[Session]) -> None:
    """These lists mix nationalities; their cohorts are taught in each trainee's language."""
    with session_factory() as session:
        for cohort_id in (world.cohort_a.id, world.cohort_b.id):
            session.get(Cohort, cohort_id).languages = list(LANGUAGES)  # type: ignore[union-attr]
        session.commit()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def changed(row: list[str], **cells: str) -> list[str]:
    fields = [
        "number",
        "family",
        "given",
        "katakana",
        "nationality",
        "language",
        "born",
        "employer",
    ]
    values = dict(zip(fields, row, strict=True))
    values.update(cells)
    return [values[f] for f in fields]


def import_file(
    client: TestClient,
    cohort_id: int,
    data: bytes,
    filename: str = "trainees.csv",
    *,
    valid_only: bool = False,
    language: str = "en",
    create_employers: list[str] = NEW_EMPLOYERS,
) -> Any:
    return client.post(
        f"/api/v1/cohorts/{cohort_id}/import",
        files={"file": (filename, data, "application/octet-stream")},
        data={"create_employers": create_employers}
        | ({"valid_only": "true"} if valid_only else {}),
        headers={"Accept-Language": language},
    )


def trainees(client: TestClient, cohort_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/cohorts/{cohort_id}/trainees")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def numbers(client: TestClient, cohort_id: int) -> list[str]:
    return [t["trainee_number"] for t in trainees(client, cohort_id)]


def errors_of(report: dict[str, Any]) -> list[tuple[int | None, str | None, str]]:
    return [(e["row"], e["column"], e["code"]) for e in report["errors"]]


def audit_count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count(AuditEntry.id))) or 0)


@pytest.fixture
def staff(signed_in: Any, world: World) -> TestClient:
    return signed_in(world.staff_a)  # type: ignore[no-any-return]


# --- real-world files ---------------------------------------------------------------------------


def test_a_utf8_csv_with_a_byte_order_mark_imports_every_trainee(
    staff: TestClient, world: World
) -> None:
    data = csv_bytes([ENGLISH_HEADER, NGUYEN, SARI])
    assert data.startswith(b"\xef\xbb\xbf")  # Excel's "CSV UTF-8"

    response = import_file(staff, world.cohort_a.id, data)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["status"], report["total_rows"], report["errors"]) == ("imported", 2, [])
    assert [(a["row"], a["trainee_number"], a["name"]) for a in report["added"]] == [
        (2, "2026-015", "NGUYEN VAN AN"),
        (3, "2026-016", "SARI DEWI"),
    ]
    assert numbers(staff, world.cohort_a.id) == ["2026-015", "2026-016", "A-001"]
    employers = {e["name"] for e in staff.get("/api/v1/employers").json()}
    assert {"岡山技研", "岡山農園"} <= employers


def test_a_shift_jis_csv_with_japanese_headings_imports_in_japanese_office_style(
    staff: TestClient, world: World
) -> None:
    data = csv_bytes(
        [
            JAPANESE_HEADER,
            [
                "2026-020",
                "SOK",
                "DARA",
                "ｿｸ ﾀﾞﾗ",
                "カンボジア",
                "クメール語",
                "平成12年5月3日",
                "（有）倉敷縫製",
            ],
        ],
        "cp932",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really Shift_JIS, as Excel's "CSV" on Japanese Windows saves it

    response = import_file(staff, world.cohort_a.id, data, "実習生名簿.csv")

    assert response.status_code == 200, response.text
    (sok,) = [t for t in trainees(staff, world.cohort_a.id) if t["trainee_number"] == "2026-020"]
    assert (sok["family_name"], sok["name_katakana"]) == ("SOK", "ソク ダラ")
    assert (sok["nationality"], sok["preferred_language"]) == ("KH", "km")
    assert sok["date_of_birth"] == "2000-05-03"
    employer = staff.get(f"/api/v1/employers/{sok['employer_id']}").json()
    assert employer["name"] == "（有）倉敷縫製"


def test_an_xlsx_with_real_excel_date_cells_imports_the_dates(
    staff: TestClient, world: World
) -> None:
    data = xlsx_bytes(
        [
            ENGLISH_HEADER,
            [*NGUYEN[:6], datetime(1999, 4, 1), NGUYEN[7]],
            [*SARI[:6], date(2000, 12, 24), SARI[7]],
        ]
    )

    response = import_file(staff, world.cohort_a.id, data, "trainees.xlsx")

    assert response.status_code == 200, response.text
    born = {t["trainee_number"]: t["date_of_birth"] for t in trainees(staff, world.cohort_a.id)}
    assert (born["2026-015"], born["2026-016"]) == ("1999-04-01", "2000-12-24")


# --- bad rows -----------------------------------------------------------------------------------


def test_a_file_with_a_bad_row_is_refused_whole_naming_each_row(
    staff: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    before = (trainees(staff, world.cohort_a.id), audit_count(session_factory))
    rows = [
        ENGLISH_HEADER,
        NGUYEN,  # row 2: fine
        changed(SARI, born="2001-02-30"),  # row 3: no such day
        changed(SARI, number="2026-015"),  # row 4: the number of row 2 again
    ]

    response = import_file(staff, world.cohort_a.id, csv_bytes(rows))

    assert response.status_code == 422
    report = response.json()
    assert report["status"] == "rejected"
    assert errors_of(report) == [
        (3, "date_of_birth", "impossible-date"),
        (4, "trainee_number", "duplicate-in-file"),
    ]
    assert report["errors"][0]["message"].startswith("Row 3:")
    assert (report["added"], report["would_add"]) == ([], 1)
    assert (trainees(staff, world.cohort_a.id), audit_count(session_factory)) == before


def test_valid_only_imports_the_good_rows_and_reports_the_rest(
    staff: TestClient, world: World
) -> None:
    rows = [ENGLISH_HEADER, NGUYEN, changed(SARI, language="Klingon")]

    response = import_file(staff, world.cohort_a.id, csv_bytes(rows), valid_only=True)

    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "partial"
    assert [a["trainee_number"] for a in report["added"]] == ["2026-015"]
    assert errors_of(report) == [(3, "preferred_language", "unknown-language")]
    assert numbers(staff, world.cohort_a.id) == ["2026-015", "A-001"]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    staff: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    data = csv_bytes([ENGLISH_HEADER, NGUYEN, SARI])
    assert import_file(staff, world.cohort_a.id, data).status_code == 200
    before = (trainees(staff, world.cohort_a.id), audit_count(session_factory))

    again = import_file(staff, world.cohort_a.id, data)

    assert again.status_code == 200
    report = again.json()
    assert (report["status"], report["added"], report["unchanged_rows"]) == ("imported", [], [2, 3])
    assert (trainees(staff, world.cohort_a.id), audit_count(session_factory)) == before


def test_a_known_trainee_number_with_other_details_is_an_error(
    staff: TestClient, world: World
) -> None:
    rows = [ENGLISH_HEADER, changed(NGUYEN, number="A-001"), SARI]  # A-001 is FAMILYA VAN AN

    response = import_file(staff, world.cohort_a.id, csv_bytes(rows))

    assert response.status_code == 422
    assert errors_of(response.json()) == [(2, "trainee_number", "duplicate-in-cooperative")]
    (existing,) = [t for t in trainees(staff, world.cohort_a.id) if t["trainee_number"] == "A-001"]
    assert existing["family_name"] == "FAMILYA"
    assert numbers(staff, world.cohort_a.id) == ["A-001"]


def test_a_trainee_number_of_another_cooperative_is_free_in_this_one(
    staff: TestClient, world: World, client: TestClient
) -> None:
    before_b = trainees(client, world.cohort_b.id)

    response = import_file(
        staff, world.cohort_a.id, csv_bytes([ENGLISH_HEADER, changed(NGUYEN, number="B-001")])
    )

    assert response.status_code == 200, response.text
    assert numbers(staff, world.cohort_a.id) == ["A-001", "B-001"]
    assert trainees(client, world.cohort_b.id) == before_b


def test_a_formula_in_a_name_is_refused(staff: TestClient, world: World) -> None:
    rows = [ENGLISH_HEADER, changed(NGUYEN, family='=HYPERLINK("http://evil","x")')]

    response = import_file(staff, world.cohort_a.id, csv_bytes(rows))

    assert response.status_code == 422
    assert errors_of(response.json()) == [(2, "family_name", "formula")]
    assert numbers(staff, world.cohort_a.id) == ["A-001"]


# --- the export ---------------------------------------------------------------------------------


def test_the_csv_export_never_starts_a_cell_with_a_formula_character(
    staff: TestClient, world: World
) -> None:
    """Names typed into the API are not checked like imported ones; the export still quotes."""
    employer = staff.post("/api/v1/employers", json={"name": '@HYPERLINK("http://evil","x")'})
    assert employer.status_code == 201
    edited = staff.put(
        f"/api/v1/trainees/{world.trainee_a.id}",
        json={
            "employer_id": employer.json()["id"],
            "given_name": "=1+2",
            "family_name": "-SUM(A1)",
            "trainee_number": "+81-001",
        },
    )
    assert edited.status_code == 200, edited.text

    response = staff.get(f"/api/v1/cohorts/{world.cohort_a.id}/trainees.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")  # so Excel in Japan reads it as UTF-8
    _header, row = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert not [cell for cell in row if cell.startswith(FORMULA_START)]
    assert row[:3] == ["'+81-001", "'-SUM(A1)", "'=1+2"]
    assert '\'@HYPERLINK("http://evil","x")' in row


# --- limits and languages -----------------------------------------------------------------------


def test_a_file_larger_than_five_megabytes_is_refused_with_413(
    staff: TestClient, world: World
) -> None:
    padding = "\r\n".join(",".join(NGUYEN) for _ in range(MAX_SPREADSHEET_BYTES // 60))
    data = csv_bytes([ENGLISH_HEADER]) + padding.encode()
    assert len(data) > MAX_SPREADSHEET_BYTES == 5 * 1024 * 1024

    response = import_file(staff, world.cohort_a.id, data)

    assert response.status_code == 413
    message = response.json()["error"]["message"]
    assert "5 MB" in message and "Split" in message
    assert numbers(staff, world.cohort_a.id) == ["A-001"]


def test_messages_follow_accept_language_japanese(staff: TestClient, world: World) -> None:
    rows = [ENGLISH_HEADER, changed(NGUYEN, born="2001-02-30"), changed(SARI, family="")]

    response = import_file(staff, world.cohort_a.id, csv_bytes(rows), language="ja")
    english = import_file(staff, world.cohort_a.id, csv_bytes(rows), language="en")

    assert response.status_code == english.status_code == 422
    errors = response.json()["errors"]
    assert [e["code"] for e in errors] == [e["code"] for e in english.json()["errors"]]
    # Whatever the catalog has translated so far (it may lag the code), the server used it.
    templates = [spreadsheet.IMPOSSIBLE_DATE, spreadsheet.MISSING]
    for error, template in zip(errors, templates, strict=True):
        assert error["message"].strip()
        row_error = RowError(
            error["row"], error["column"], error["code"], template, error["params"]
        )
        assert error["message"] == row_error.text("ja")
    too_large = import_file(
        staff, world.cohort_a.id, b"x" * (MAX_SPREADSHEET_BYTES + 1), language="ja"
    )
    assert too_large.status_code == 413
    assert too_large.json()["error"]["message"] == SpreadsheetTooLarge(limit_mb=5).text("ja")
