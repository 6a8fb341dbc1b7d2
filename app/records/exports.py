"""The post-entry training record (入国後講習実施記録) as rows, XLSX, CSV and xAPI statements.

The XLSX follows the layout of the reference form (参考様式第4-9号): a heading block with
the supervising organisation and the cohort, then one row per lecture and statutory area
with date, times, hours, subject, content, lecturer, interpreter, venue and attendees.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from functools import cache
from itertools import pairwise
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from babel import Locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import etree_write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import tostring

from app.cohorts.models import Trainee
from app.cohorts.service import spreadsheet_safe
from app.courses.definitions import Area
from app.i18n import gettext
from app.records.compliance import affiliations_on
from app.records.service import (
    AreaBlock,
    AttendanceVersion,
    CohortRecord,
    LectureInfo,
    Presence,
    collector_paused,
)

QUALIFICATIONS_JA = {
    "attorney": "弁護士",
    "administrative-scrivener": "行政書士",
    "labour-social-security-attorney": "社会保険労務士",
    "government-official": "公務員",
    "other": "その他",
}
DELIVERY_JA = {"classroom": "座学（対面）", "live-video": "双方向のライブ映像"}
# How a lecture's time and attendance were recorded, when not live in Koshu (in 備考).
RECORDED_VIA_JA = {
    "paper": "紙の署名簿（講習後に入力）",
    "meeting": "会議の参加者レポート（講習後に取込）",
}
# Where a trainee's minutes came from (AttendanceRecord.source).
SOURCES_JA = {
    "device": "端末",
    "roster": "名簿記入",
    "paper": "紙の出席簿",
    "meeting": "会議の参加記録",
    "none": "記録なし",
}
EVIDENCE_JA = {"paper-sheet": "署名入り出席簿", "meeting-report": "会議の参加者レポート"}
NO_AREA = "科目外"

# The columns of each sheet, in order; slides/RECORD.ja.md says where each comes from. AREAS
# stands for one column per statutory area of the course definition, titled in Japanese.
AREAS = "〔法定科目〕"
RECORD_COLUMNS = [
    "実施日",
    "開始時刻",
    "終了時刻",
    "時間（分）",
    "科目",
    "内容（モジュール）",
    "講師氏名",
    "講師の資格",
    "講師の登録番号",
    "講師の所属",
    "通訳者（言語）",
    "実施場所",
    "実施方法",
    "受講者数",
    "受講者（受講分数・記録方法）",
    "欠席・遅刻・早退",
    "備考",
]
TRAINEE_COLUMNS = [
    "実習生番号",
    "氏名",
    "カタカナ",
    "国籍",
    "実習実施者",
    "受講言語",
    "改訂",
    AREAS,
    "合計（分）",
    "確認テスト正答率",
    "自習（分・参考）",
    "状況",
    "理由",
]
ATTENDANCE_COLUMNS = [
    "実施日",
    "開始時刻",
    "終了時刻",
    "実習生番号",
    "氏名",
    "受講言語",
    "記録方法",
    "出欠",
    "到着時刻",
    "退出時刻",
    AREAS,
    "合計（分）",
    "訂正（理由・訂正前）",
]
SELF_STUDY_COLUMNS = ["実習生番号", "氏名", AREAS, NO_AREA, "合計（分）", "講習時間への算入"]
SHEETS = {
    "入国後講習実施記録": RECORD_COLUMNS,
    "受講者別": TRAINEE_COLUMNS,
    "出席明細": ATTENDANCE_COLUMNS,
    "自習時間": SELF_STUDY_COLUMNS,
}


def columns_of(record: CohortRecord, template: list[str]) -> list[str]:
    """A sheet's columns with AREAS spelled out as the definition's areas."""
    areas = [area_ja(area) for area in record.definition.areas]
    return [name for column in template for name in (areas if column == AREAS else [column])]


def area_ja(area: Area) -> str:
    return area.titles.get("ja", area.code)


def shown_language_ja(language: str, slide_languages: dict[str, str], preferred: str) -> str:
    """受講言語 as the slides were shown: 英語（クメール語の翻訳なし）, and 一部日本語 when some
    slides fell back further."""
    notes = []
    if language != preferred:
        notes.append(f"{language_ja(preferred)}の翻訳なし")
    others = sorted(set(slide_languages.values()) - {language})
    if others:
        notes.append("一部" + "・".join(language_ja(tag) for tag in others))
    return language_ja(language) + (f"（{'、'.join(notes)}）" if notes else "")


@cache  # asked for every row of the detail sheet
def language_ja(tag: str) -> str:
    """A language's name in Japanese from CLDR (クメール語), the tag itself if unknown."""
    names = Locale("ja").languages
    key = tag.replace("-", "_")
    return str(names.get(key) or names.get(key.split("_")[0]) or tag)


def country_ja(code: str) -> str:
    """A country's name in Japanese from CLDR (ベトナム), the code itself if unknown."""
    return str(Locale("ja").territories.get(code.upper(), code))


def clock_time(moment: datetime) -> time:
    """A moment's time of day to the minute, as the record shows it (a spreadsheet time cell)."""
    return moment.time().replace(second=0, microsecond=0)


def hh_mm(moment: datetime | time | None) -> str:
    return f"{moment:%H:%M}" if moment is not None else ""


def cell_text(value: Any) -> str:
    """A typed cell as text (the CSV and the printable page): dates ISO, times HH:MM."""
    if isinstance(value, datetime | time):
        return hh_mm(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


class Attendee:
    """A trainee expected at a confirmed lecture: their record's versions and how they came,
    with what every cell of their rows asks for worked out once."""

    __slots__ = ("by_area", "current", "name", "presence", "source", "total", "trainee", "versions")

    def __init__(
        self,
        trainee: Trainee,
        versions: list[AttendanceVersion],
        presence: Presence | None,
        name: str,
    ) -> None:
        self.trainee = trainee
        self.versions = versions
        self.presence = presence
        self.current = (
            versions[0]
            if len(versions) == 1
            else next((v for v in versions if v.is_current), versions[-1])
        )
        self.name = name
        self.by_area = {area: int(v) for area, v in self.current.minutes_by_area.items()}
        self.total = sum(self.by_area.values())
        label = SOURCES_JA.get(self.current.source, self.current.source)
        self.source = f"{label}・訂正" if len(versions) > 1 else label

    def minutes(self, area: str) -> int:
        return self.by_area.get(area, 0)

    @property
    def absent(self) -> bool:
        return (self.presence is not None and self.presence.absent) or not self.total

    def corrections(self, area: str | None = None) -> list[str]:
        """Each change of the minutes (of one area, or in total): old → new, reason, date."""
        if len(self.versions) < 2:
            return []
        notes = []
        for old, new in pairwise(self.versions):
            if area is None:
                before = sum(int(v) for v in old.minutes_by_area.values())
                after = sum(int(v) for v in new.minutes_by_area.values())
            else:
                before = int(old.minutes_by_area.get(area, 0))
                after = int(new.minutes_by_area.get(area, 0))
            if before != after:
                notes.append(
                    f"{self.name}: {before}分→{after}分（{new.reason}、{new.recorded_at:%Y-%m-%d}）"
                )
        return notes


def attendees(record: CohortRecord, lecture_id: int) -> list[Attendee]:
    """The cohort's trainees a confirmed lecture holds something for, by trainee number.

    A trainee the lecture holds nothing for (no minutes, no phone, no hand mark; say the
    rest of the cohort at a make-up lecture) was not expected there and is left out; one
    marked absent by hand stays, as absent. Worked out once per record and lecture."""
    key = ("attendees", lecture_id)
    if key not in record.derived:
        if "trainees" not in record.derived:
            record.derived["trainees"] = [
                (
                    item.trainee.id,
                    item.trainee,
                    f"{item.trainee.family_name} {item.trainee.given_name}",
                )
                for item in record.trainees
            ]
        found = []
        for trainee_id, trainee, name in record.derived["trainees"]:
            versions = record.attendance.get((lecture_id, trainee_id))
            if not versions:
                continue
            presence = record.presence.get((lecture_id, trainee_id))
            if presence is None and all(
                v.source == "none" and not any(v.minutes_by_area.values()) for v in versions
            ):
                continue
            found.append(Attendee(trainee, versions, presence, name))
        record.derived[key] = found
    return record.derived[key]


def _lecturer(info: LectureInfo) -> dict[str, Any]:
    day = info.start.date()
    profile = info.profile
    return {
        "講師氏名": profile.display_name
        if profile
        else (info.lecturer.display_name if info.lecturer else ""),
        "講師の資格": QUALIFICATIONS_JA.get(profile.qualification, "") if profile else "",
        "講師の登録番号": profile.registration_number if profile else "",
        "講師の所属": "、".join(
            a.get("name", "") for a in affiliations_on(profile.affiliations if profile else [], day)
        ),
        "通訳者（言語）": "、".join(
            f"{name}（{language_ja(tag)}）" for name, tag in info.interpreters
        ),
        "実施場所": " ".join(
            part for part in (info.lecture.venue, info.lecture.online_url) if part
        ),
        "実施方法": DELIVERY_JA.get(info.lecture.delivery, info.lecture.delivery),
    }


def lecture_remarks(record: CohortRecord, info: LectureInfo, people: list[Attendee]) -> list[str]:
    """What the 備考 says of a whole lecture: why it does not count (for whom), its evidence."""
    notes = []
    if info.lecture.recorded_via in RECORDED_VIA_JA:
        notes.append(f"記録方法：{RECORDED_VIA_JA[info.lecture.recorded_via]}")
    if "excluded" not in record.derived:
        record.derived["excluded"] = {
            item.trainee.id: item.compliance.excluded
            for item in record.trainees
            if item.compliance.excluded
        }
    excluded = record.derived["excluded"]
    whom: dict[str, list[str]] = defaultdict(list)
    for person in people:
        for reason in excluded.get(person.trainee.id, {}).get(info.lecture.id, []):
            whom[reason.text("ja")].append(person.name)
    for text, names in whom.items():
        counted = [p for p in people if p.total]
        everyone = len(names) >= len(counted)
        notes.append(f"算入しない：{text}" + ("" if everyone else f"（{'、'.join(names)}）"))
    notes.extend(
        f"証拠：{EVIDENCE_JA.get(item.kind, item.kind)}（{item.filename}）"
        for item in info.evidence
    )
    return notes


def _absences(people: list[Attendee], block: AreaBlock) -> str:
    """Who missed this area's time, or part of it: absent, arrived late, left early."""
    if not block.minutes:  # under a minute on screen: nobody could have attended it
        return ""
    notes = []
    for person in people:
        presence = person.presence
        if not person.minutes(block.area):
            notes.append(f"{person.name} 欠席")
            continue
        if presence is None:
            continue
        if presence.late and presence.arrived and block.start < presence.arrived <= block.end:
            notes.append(f"{person.name} 遅刻 {hh_mm(presence.arrived)}")
        if presence.early and presence.left and block.start <= presence.left < block.end:
            notes.append(f"{person.name} 早退 {hh_mm(presence.left)}")
    return "、".join(notes)


def lecture_rows(record: CohortRecord) -> list[dict[str, Any]]:
    """One row per confirmed lecture and statutory area taught, with that area's times and
    modules, the lecturer and interpreters, and the attendees' minutes and how they came."""
    definition = record.definition
    rows = []
    for info in record.confirmed_lectures():
        people = attendees(record, info.lecture.id)
        corrected = [p for p in people if len(p.versions) > 1]
        common = {"実施日": info.start.date(), **_lecturer(info)}
        remarks = lecture_remarks(record, info, people)
        if not info.blocks:
            # Confirmed, but no statutory area was on screen: on the record, credited nothing.
            rows.append(
                common
                | {
                    "開始時刻": clock_time(info.start),
                    "終了時刻": clock_time(info.end),
                    "時間（分）": 0,
                    "科目": "（法定科目の講習時間なし）",
                    "受講者数": 0,
                    "備考": "；".join(remarks),
                }
            )
            continue
        for block in info.blocks:
            area = definition.area(block.area)
            present = [p for p in people if p.by_area.get(block.area)]
            notes = list(remarks)
            if len(block.stretches) > 1:
                times = "、".join(f"{hh_mm(a)}–{hh_mm(b)}" for a, b in block.stretches)
                notes.append(f"実施時間帯：{times}（休憩・他科目の時間を除く）")
            notes.extend(note for p in corrected for note in p.corrections(block.area))
            listed = "、".join(
                f"{p.name}（{p.by_area[block.area]}分・{p.source}）" for p in present
            )
            rows.append(
                common
                | {
                    "開始時刻": clock_time(block.start),
                    "終了時刻": clock_time(block.end),
                    "時間（分）": block.minutes,
                    "科目": area_ja(area) if area else block.area,
                    "内容（モジュール）": "、".join(
                        f"{m.code} {m.titles.get('ja', '')}".strip()
                        for m in info.modules_of(block.area)
                    ),
                    "受講者数": len(present),
                    "受講者（受講分数・記録方法）": _fits_a_cell(listed, len(present)),
                    "欠席・遅刻・早退": _fits_a_cell(_absences(people, block), len(people)),
                    "備考": "；".join(notes),
                }
            )
    return rows


# Excel keeps at most 32,767 characters in a cell and cuts the rest without a word; a long
# list of attendees points to the detail sheet instead of losing names.
_CELL_LIMIT = 32_000


def _fits_a_cell(text: str, count: int) -> str:
    if len(text) <= _CELL_LIMIT:
        return text
    return f"{count}名（別シート「出席明細」に全員を記載）"


def _attended(person: Attendee) -> str:
    presence = person.presence
    if person.absent:
        return "欠席"
    if presence is None:
        return "出席"
    marks = [word for flag, word in ((presence.late, "遅刻"), (presence.early, "早退")) if flag]
    return "・".join(marks) or "出席"


def attendance_values(record: CohortRecord) -> Iterator[list[Any]]:
    """One row per confirmed lecture and expected trainee (the detail sheet), as values in
    the order of ``columns_of(record, ATTENDANCE_COLUMNS)``: the longest sheet, so its rows
    are lists, not dicts."""
    codes = [area.code for area in record.definition.areas]
    for info in record.confirmed_lectures():
        day, start, end = info.start.date(), clock_time(info.start), clock_time(info.end)
        for person in attendees(record, info.lecture.id):
            presence, current = person.presence, person.current
            yield [
                day,
                start,
                end,
                person.trainee.trainee_number,
                person.name,
                shown_language_ja(
                    current.language,
                    current.slide_languages,
                    person.trainee.preferred_language,
                ),
                person.source,
                _attended(person),
                clock_time(presence.arrived) if presence and presence.arrived else None,
                clock_time(presence.left) if presence and presence.left else None,
                *[person.by_area.get(code, 0) for code in codes],
                person.total,
                "；".join(person.corrections()),
            ]


def attendance_rows(record: CohortRecord) -> list[dict[str, Any]]:
    """The detail sheet's rows by column title (the printable page)."""
    columns = columns_of(record, ATTENDANCE_COLUMNS)
    return [dict(zip(columns, values, strict=True)) for values in attendance_values(record)]


def trainee_rows(record: CohortRecord, language: str) -> list[dict[str, Any]]:
    rows = []
    for item in record.trainees:
        trainee, compliance = item.trainee, item.compliance
        row: dict[str, Any] = {
            "実習生番号": trainee.trainee_number,
            "氏名": f"{trainee.family_name} {trainee.given_name}",
            "カタカナ": trainee.name_katakana,
            "国籍": country_ja(trainee.nationality),
            "実習実施者": item.employer,
            "受講言語": "、".join(language_ja(tag) for tag in compliance.languages),
            "改訂": "、".join(str(n) for n in compliance.revisions),
        }
        for area in record.definition.areas:
            row[area_ja(area)] = compliance.minutes_by_area.get(area.code, 0)
        row["合計（分）"] = compliance.total_minutes
        row["確認テスト正答率"] = (
            "" if compliance.quiz_score is None else f"{compliance.quiz_score}%"
        )
        row["自習（分・参考）"] = sum(compliance.self_study_minutes.values())
        row["状況"] = gettext("ja", compliance.status)
        row["理由"] = " / ".join(reason.text(language) for reason in compliance.reasons)
        rows.append(row)
    return rows


def self_study_rows(record: CohortRecord) -> list[dict[str, Any]]:
    """Self-study minutes per trainee and area: shown, and counted only if the course says so."""
    counts = "算入する" if record.definition.self_study_counts else "算入しない（参考）"
    codes = {area.code for area in record.definition.areas}
    rows = []
    for item in record.trainees:
        study = item.compliance.self_study_minutes
        row: dict[str, Any] = {
            "実習生番号": item.trainee.trainee_number,
            "氏名": f"{item.trainee.family_name} {item.trainee.given_name}",
        }
        for area in record.definition.areas:
            row[area_ja(area)] = study.get(area.code, 0)
        row[NO_AREA] = sum(v for k, v in study.items() if k not in codes)
        row["合計（分）"] = sum(study.values())
        row["講習時間への算入"] = counts
        rows.append(row)
    return rows


_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDE6F0")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_WRAP_MIDDLE = Alignment(wrap_text=True, vertical="center")


DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "hh:mm"


def _cell_value(value: Any) -> Any:
    """Numbers, dates and times stay typed; text a spreadsheet could run as a formula is inert."""
    if value is None or isinstance(value, int | float | date | time):
        return value
    return spreadsheet_safe(str(value))


# Named once per workbook: a cell then takes its whole style in one assignment, instead of
# hashing a border and an alignment for every one of 200,000 cells.
_STYLES = {
    "koshu-head": {
        "font": Font(bold=True),
        "fill": _HEAD,
        "border": _BOX,
        "alignment": _WRAP_MIDDLE,
    },
    "koshu-body": {"border": _BOX, "alignment": _WRAP_TOP},
    "koshu-body-date": {"border": _BOX, "alignment": _WRAP_TOP, "number_format": DATE_FORMAT},
    "koshu-body-time": {"border": _BOX, "alignment": _WRAP_TOP, "number_format": TIME_FORMAT},
    "koshu-date": {"number_format": DATE_FORMAT},
    "koshu-time": {"number_format": TIME_FORMAT},
}


def _add_styles(workbook: Workbook) -> None:
    for name, parts in _STYLES.items():
        style = NamedStyle(name=name)
        for attribute, value in parts.items():
            setattr(style, attribute, value)
        workbook.add_named_style(style)


def _styled(sheet: Any, value: Any, style: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.style = style
    return cell


def _table(
    sheet: Any, rows: Iterable[list[Any]], columns: list[str], *, styled: bool = True
) -> None:
    """Append a header row and the rows to a write-only sheet; ``styled`` False leaves body
    cells plain (a long detail sheet, where per-cell styles cost more than the data). Dates
    and times are real date and time cells with a number format."""
    sheet.append([_styled(sheet, title, "koshu-head") for title in columns])
    prefix = "koshu-body" if styled else "koshu"
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, date):
                cells.append(_styled(sheet, value, f"{prefix}-date"))
            elif isinstance(value, time):
                cells.append(_styled(sheet, value, f"{prefix}-time"))
            elif styled:
                cells.append(_styled(sheet, _cell_value(value), "koshu-body"))
            else:
                cells.append(_cell_value(value))
        sheet.append(cells)


# The body of a long sheet is written as XML text straight into the sheet's file: openpyxl
# costs several microseconds per cell even in write-only mode, and the detail sheet of a
# cohort of 2,000 has some 900,000 cells. The cells are the ones openpyxl would write (typed
# numbers, dates and times with the named styles' number formats, inline strings).
_ROWS_FOLLOW = "koshu-rows-follow"
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class _CellXml:
    """Writes one sheet's body cells as openpyxl would, given the workbook's style ids, but
    without each cell's reference: cells follow one another in their row (the reference is
    optional in a sheet's XML), so an empty cell is written too, to keep its place."""

    def __init__(self, sheet: Any, styled: bool) -> None:
        self.sheet = sheet
        self.styled = styled
        prefix = "koshu-body" if styled else "koshu"
        probes = {
            "date": _styled(sheet, date(2000, 1, 1), f"{prefix}-date"),
            "time": _styled(sheet, time(0, 0), f"{prefix}-time"),
            "text": _styled(sheet, "", "koshu-body"),
        }
        ids = {kind: f' s="{cell.style_id}"' for kind, cell in probes.items()}
        self.date_style, self.time_style = ids["date"], ids["time"]
        self.text_style = ids["text"] if styled else ""
        self.empty = f'<c{self.text_style} t="n"/>' if styled else "<c/>"
        # Names, labels, dates and minutes repeat down a sheet: each is made into XML once.
        self.known: dict[Any, str] = {}

    def row(self, values: Iterable[Any]) -> list[str]:
        known, cell = self.known, self.cell
        # a bool equals 1 or 0 as a key, but is not the same cell: it takes the long way
        return [(type(value) is not bool and known.get(value)) or cell(value) for value in values]

    def cell(self, value: Any) -> str:
        if value is None:
            return self.empty
        if type(value) is bool:
            return self._openpyxl(value)
        xml = self.known.get(value)
        if xml is None:
            xml = self.known[value] = self._xml(value) or self._openpyxl(value)
        return xml

    def _xml(self, value: Any) -> str:
        """A cell's XML; empty for a value openpyxl must write."""
        if not isinstance(value, str | int | float | date | time):
            return ""
        if isinstance(value, int | float):
            return f'<c{self.text_style} t="n"><v>{safe_string(value)}</v></c>'
        if isinstance(value, date | time):
            style = self.time_style if isinstance(value, time) else self.date_style
            return f'<c{style} t="n"><v>{safe_string(to_excel(value))}</v></c>'
        text = spreadsheet_safe(value)[:32767]
        if ILLEGAL_CHARACTERS_RE.search(text) or text in ERROR_CODES or text.startswith("="):
            return ""
        if not text:
            return f'<c{self.text_style} t="inlineStr"/>'
        stripped = text.strip()
        space = ' xml:space="preserve"' if stripped and stripped != text else ""
        body = text.translate(_XML_TEXT)
        return f'<c{self.text_style} t="inlineStr"><is><t{space}>{body}</t></is></c>'

    def _openpyxl(self, value: Any) -> str:
        """Any other value, written by openpyxl itself (raising what it raises)."""
        if self.styled:
            cell = _styled(self.sheet, _cell_value(value), "koshu-body")
        else:
            cell = WriteOnlyCell(self.sheet, value=_cell_value(value))
        cell.row, cell.column = 1, 1
        written = _Written()
        etree_write_cell(written, self.sheet, cell, cell.has_style)
        for element in written.elements:
            element.attrib.pop("r", None)
        return "".join(tostring(element).decode() for element in written.elements)


class _Written:
    """Collects the elements openpyxl's cell writer gives (it writes to an XML stream)."""

    def __init__(self) -> None:
        self.elements: list[Any] = []

    def write(self, element: Any) -> None:
        self.elements.append(element)


def _fast_table(sheet: Any, rows: Iterable[list[Any]], columns: list[str], styled: bool) -> None:
    """Like ``_table``, for rows of values in the columns' order, the body written as text
    into the write-only sheet's file."""
    sheet.append([_styled(sheet, title, "koshu-head") for title in columns])
    sheet.append([_ROWS_FOLLOW])
    cells = _CellXml(sheet, styled)
    sheet.close()
    path = sheet._writer.out
    with open(path, "rb") as written:
        data = written.read()
    start = data.index(b'<row r="2">')
    end = data.index(b"</row>", data.index(_ROWS_FOLLOW.encode(), start)) + len(b"</row>")
    with open(path, "wb") as out:
        out.write(data[:start])
        chunk: list[str] = []
        for number, values in enumerate(rows, 2):
            chunk.append(f'<row r="{number}">')
            chunk += cells.row(values)
            chunk.append("</row>")
            if len(chunk) > 20_000:
                out.write("".join(chunk).encode())
                chunk.clear()
        out.write("".join(chunk).encode())
        out.write(data[end:])


def _values(rows: list[dict[str, Any]], columns: list[str]) -> list[list[Any]]:
    """Rows as lists of values in the columns' order, as the sheets are written."""
    return [[row.get(title) for title in columns] for row in rows]


def _widths(sheet: Any, rows: list[list[Any]], columns: list[str]) -> None:
    """Size the columns (before any row is written: a write-only sheet needs them first)."""
    sample = rows[:500]  # enough to size a column; a long sheet need not be measured whole
    for col, title in enumerate(columns, start=1):
        widest = max([len(str(title))] + [min(len(cell_text(row[col - 1])), 60) for row in sample])
        sheet.column_dimensions[get_column_letter(col)].width = max(8, min(60, widest * 1.6))


def _print_setup(sheet: Any, header_row: int) -> None:
    """A4 landscape, fitted to the page width (as many pages long as it takes), the header
    row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "&P / &N"


def heading(record: CohortRecord) -> list[tuple[str, Any]]:
    """The record's heading block (the printable page shows the same)."""
    cohort, cooperative = record.cohort, record.cooperative
    return [
        ("監理団体名", cooperative.name),
        ("許可番号", cooperative.licence_number),
        ("受講グループ", cohort.name),
        ("入国日", cohort.arrival_date),
        ("入国後講習開始日", cohort.training_start),
        ("入国後講習終了日", cohort.training_end),
        ("実習開始日", cohort.work_start),
        ("講習", record.definition.title("ja")),
        ("記録の保存期限", record.retention_until()),
    ]


def _sheet(
    workbook: Workbook,
    title: str,
    rows: list[list[Any]],
    columns: list[str],
    progress: Progress | None = None,
) -> Any:
    sheet = workbook.create_sheet(title)
    _widths(sheet, rows, columns)
    sheet.freeze_panes = "C2"
    _print_setup(sheet, 1)
    _fast_table(sheet, _counted(rows, progress), columns, styled=len(rows) <= 2000)
    return sheet


Progress = Callable[[int], None]


def _counted(rows: list[list[Any]], progress: Progress | None) -> Iterator[list[Any]]:
    """The rows, telling ``progress`` how many are written so far after each one."""
    for written, row in enumerate(rows, 1):
        yield row
        if progress is not None:
            progress(written)


@collector_paused()
def record_xlsx(
    record: CohortRecord, language: str = "ja", *, progress: Progress | None = None
) -> bytes:
    """The post-entry training record as an Excel workbook (Japanese headings).

    Written in openpyxl's write-only mode, row by row: a cohort of 2,000 trainees fills some
    200,000 cells, and the ordinary mode keeps an object per cell. ``progress`` is told how
    many trainees are written (one row each on the per-trainee sheet) as the work goes on.
    """
    workbook = Workbook(write_only=True)
    _add_styles(workbook)
    sheet = workbook.create_sheet("入国後講習実施記録")
    block = heading(record)
    top = 3 + len(block) + 1
    rows = _values(lecture_rows(record), RECORD_COLUMNS)
    _widths(sheet, rows, RECORD_COLUMNS)
    sheet.freeze_panes = f"A{top + 1}"
    _print_setup(sheet, top)
    title = WriteOnlyCell(sheet, value="入国後講習実施記録（法的保護情報講習）")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append(["参考様式第4-9号に準ずる"])
    for label, value in block:
        name = WriteOnlyCell(sheet, value=label)
        name.font = Font(bold=True)
        cell = WriteOnlyCell(sheet, value=_cell_value(value))
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(horizontal="left")
        sheet.append([name, cell])
    sheet.append([])
    _table(sheet, rows, RECORD_COLUMNS)
    columns = columns_of(record, TRAINEE_COLUMNS)
    _sheet(
        workbook, "受講者別", _values(trainee_rows(record, language), columns), columns, progress
    )
    columns = columns_of(record, ATTENDANCE_COLUMNS)
    _sheet(workbook, "出席明細", list(attendance_values(record)), columns)
    columns = columns_of(record, SELF_STUDY_COLUMNS)
    _sheet(workbook, "自習時間", _values(self_study_rows(record), columns), columns)
    return _saved(workbook)


def _saved(workbook: Workbook) -> bytes:
    """The workbook's file, as openpyxl saves it but deflated at level 1: the detail sheet
    of a large cohort is tens of megabytes of repetitive XML, which level 1 still shrinks
    some twentyfold, in a fraction of the default level's time."""
    buffer = io.BytesIO()
    archive = ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1)
    workbook.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    ExcelWriter(workbook, archive).save()  # closes the archive
    return buffer.getvalue()


def record_csv(record: CohortRecord) -> str:
    """The lecture rows as CSV, UTF-8 with BOM so Excel in Japan opens it correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RECORD_COLUMNS)
    writer.writeheader()
    for row in lecture_rows(record):
        writer.writerow(
            {k: v if isinstance(v, int) else spreadsheet_safe(cell_text(v)) for k, v in row.items()}
        )
    return "\ufeff" + out.getvalue()
