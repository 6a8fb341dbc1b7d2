"""The post-entry training record (入国後講習実施記録) as rows, XLSX, CSV and xAPI statements.

The XLSX follows the layout of the reference form (参考様式第4-9号): a heading block with
the supervising organisation and the cohort, then one row per lecture and statutory area
with date, times, hours, subject, content, lecturer, interpreter, venue and attendees.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from itertools import pairwise
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.cohorts.service import spreadsheet_safe
from app.i18n import gettext
from app.languages import language_name
from app.records.schemas import XapiStatement
from app.records.service import CohortRecord

QUALIFICATIONS_JA = {
    "attorney": "弁護士",
    "administrative-scrivener": "行政書士",
    "labour-social-security-attorney": "社会保険労務士",
    "government-official": "公務員",
    "other": "その他",
}
DELIVERY_JA = {"classroom": "座学（対面）", "live-video": "双方向のライブ映像"}
RECORDED_VIA_JA = {
    "live": "Koshu（受講者の端末・出席簿）",
    "paper": "紙の署名簿（講習後に入力）",
    "meeting": "会議の参加者レポート（講習後に取込）",
}
RECORD_COLUMNS = [
    "実施日",
    "開始時刻",
    "終了時刻",
    "時間（分）",
    "科目",
    "内容（モジュール）",
    "講師氏名",
    "講師の資格",
    "講師の所属",
    "通訳者（言語）",
    "実施場所・方法",
    "受講者数",
    "受講者（受講分数）",
    "出席の記録方法",
    "備考（訂正）",
]


def lecture_rows(record: CohortRecord) -> list[dict[str, Any]]:
    """One row per lecture and statutory area taught, with the cohort's attendees' minutes."""
    definition = record.definition
    names = {
        t.trainee.id: f"{t.trainee.family_name} {t.trainee.given_name}" for t in record.trainees
    }
    by_lecture: dict[int, dict[int, list[Any]]] = defaultdict(dict)
    for (lecture_id, trainee_id), versions in record.attendance.items():
        if trainee_id in names:
            by_lecture[lecture_id][trainee_id] = versions
    rows = []
    for info in record.lectures:
        lecture = info.lecture
        attendees = dict(
            sorted(by_lecture.get(lecture.id, {}).items(), key=lambda item: names[item[0]])
        )
        affiliation = "、".join(
            a.get("name", "") for a in (info.profile.affiliations if info.profile else [])
        )
        for area in definition.areas:
            taught = info.taught.get(area.code, 0)
            if not taught:
                continue
            present = []
            notes = []
            for trainee_id, versions in attendees.items():
                current = next((v for v in versions if v.superseded_at is None), versions[-1])
                minutes = int(current.minutes_by_area.get(area.code, 0))
                if minutes:
                    present.append(f"{names[trainee_id]}（{minutes}分）")
                for old, new in pairwise(versions):
                    before = int(old.minutes_by_area.get(area.code, 0))
                    after = int(new.minutes_by_area.get(area.code, 0))
                    if before != after:
                        notes.append(
                            f"{names[trainee_id]}: {before}分→{after}分"
                            f"（{new.reason}、{new.recorded_at:%Y-%m-%d}）"
                        )
            rows.append(
                {
                    "実施日": info.start.date().isoformat(),
                    "開始時刻": info.start.strftime("%H:%M"),
                    "終了時刻": info.end.strftime("%H:%M"),
                    "時間（分）": taught,
                    "科目": area.titles.get("ja", area.code),
                    "内容（モジュール）": "、".join(info.modules),
                    "講師氏名": info.lecturer.display_name if info.lecturer else "",
                    "講師の資格": QUALIFICATIONS_JA.get(info.profile.qualification, "")
                    if info.profile
                    else "",
                    "講師の所属": affiliation,
                    "通訳者（言語）": "、".join(
                        f"{name}（{language_name(tag)}）" for name, tag in info.interpreters
                    ),
                    "実施場所・方法": " ".join(
                        part
                        for part in (
                            DELIVERY_JA.get(lecture.delivery, lecture.delivery),
                            lecture.venue,
                            lecture.online_url,
                        )
                        if part
                    ),
                    "受講者数": len(present),
                    "受講者（受講分数）": _fits_a_cell("、".join(present), len(present)),
                    "出席の記録方法": RECORDED_VIA_JA.get(
                        lecture.recorded_via, lecture.recorded_via
                    ),
                    "備考（訂正）": "；".join(notes),
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


def attendance_rows(record: CohortRecord) -> list[dict[str, Any]]:
    """One row per lecture and attendee with the current minutes per area (the detail sheet)."""
    names = {t.trainee.id: t.trainee for t in record.trainees}
    infos = {info.lecture.id: info for info in record.lectures}
    rows = []
    ordered = sorted(
        (key for key in record.attendance if key[0] in infos and key[1] in names),
        key=lambda key: (infos[key[0]].start, names[key[1]].trainee_number),
    )
    for lecture_id, trainee_id in ordered:
        versions = record.attendance[(lecture_id, trainee_id)]
        if lecture_id not in infos or trainee_id not in names:
            continue
        trainee, info = names[trainee_id], infos[lecture_id]
        current = next((v for v in versions if v.superseded_at is None), versions[-1])
        row = {
            "実施日": info.start.date().isoformat(),
            "開始時刻": info.start.strftime("%H:%M"),
            "実習生番号": trainee.trainee_number,
            "氏名": f"{trainee.family_name} {trainee.given_name}",
            "受講言語": current.language,
        }
        for area in record.definition.areas:
            row[area.titles.get("ja", area.code)] = int(current.minutes_by_area.get(area.code, 0))
        row["訂正"] = "あり" if len(versions) > 1 else ""
        rows.append(row)
    return rows


def trainee_rows(record: CohortRecord, language: str) -> list[dict[str, Any]]:
    areas = record.definition.areas
    rows = []
    for item in record.trainees:
        trainee, compliance = item.trainee, item.compliance
        row = {
            "実習生番号": trainee.trainee_number,
            "氏名": f"{trainee.family_name} {trainee.given_name}",
            "カタカナ": trainee.name_katakana,
            "国籍": trainee.nationality,
            "受講言語": "、".join(language_name(tag) for tag in compliance.languages),
            "改訂": "、".join(str(n) for n in compliance.revisions),
        }
        for area in areas:
            row[area.titles.get("ja", area.code)] = compliance.minutes_by_area.get(area.code, 0)
        row["合計（分）"] = compliance.total_minutes
        row["確認テスト正答率"] = (
            "" if compliance.quiz_score is None else f"{compliance.quiz_score}%"
        )
        row["状況"] = gettext("ja", compliance.status)
        row["理由"] = " / ".join(reason.text(language) for reason in compliance.reasons)
        rows.append(row)
    return rows


_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDE6F0")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_WRAP_MIDDLE = Alignment(wrap_text=True, vertical="center")


def _table(
    sheet: Any, top: int, rows: list[dict[str, Any]], columns: list[str], *, styled: bool = True
) -> None:
    """Write a header row and the rows; ``styled`` False leaves body cells plain (a long
    detail sheet, where per-cell styles cost more than the data)."""
    for col, title in enumerate(columns, start=1):
        cell = sheet.cell(row=top, column=col, value=title)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD, _BOX
        cell.alignment = _WRAP_MIDDLE
    for r, row in enumerate(rows, start=top + 1):
        for col, title in enumerate(columns, start=1):
            value = row.get(title, "")
            # Text that a spreadsheet could run as a formula is written inert.
            cell = sheet.cell(
                row=r,
                column=col,
                value=value if isinstance(value, int | float) else spreadsheet_safe(value),
            )
            if styled:
                cell.border = _BOX
                cell.alignment = _WRAP_TOP
    for col, title in enumerate(columns, start=1):
        sample = rows[:500]  # enough to size a column; a long sheet need not be measured whole
        widest = max([len(str(title))] + [min(len(str(row.get(title, ""))), 60) for row in sample])
        sheet.column_dimensions[get_column_letter(col)].width = max(8, min(60, widest * 1.6))


def record_xlsx(record: CohortRecord, language: str = "ja") -> bytes:
    """The post-entry training record as an Excel workbook (Japanese headings)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "入国後講習実施記録"
    cohort, cooperative = record.cohort, record.cooperative
    sheet["A1"] = "入国後講習実施記録（法的保護情報講習）"
    sheet["A1"].font = Font(bold=True, size=14)
    heading = [
        ("監理団体名", cooperative.name),
        ("許可番号", cooperative.licence_number),
        ("受講グループ", cohort.name),
        ("入国日", cohort.arrival_date.isoformat() if cohort.arrival_date else ""),
        ("入国後講習期間", f"{cohort.training_start or ''} 〜 {cohort.training_end or ''}"),
        ("実習開始日", cohort.work_start.isoformat() if cohort.work_start else ""),
        ("講習", record.definition.title("ja")),
    ]
    for offset, (label, value) in enumerate(heading, start=3):
        sheet.cell(row=offset, column=1, value=label).font = Font(bold=True)
        sheet.cell(row=offset, column=2, value=spreadsheet_safe(value))
    top = 3 + len(heading) + 1
    _table(sheet, top, lecture_rows(record), RECORD_COLUMNS)
    sheet.freeze_panes = sheet.cell(row=top + 1, column=1)
    per_trainee = workbook.create_sheet("受講者別")
    rows = trainee_rows(record, language)
    columns = list(rows[0]) if rows else ["実習生番号", "氏名"]
    _table(per_trainee, 1, rows, columns)
    per_trainee.freeze_panes = "C2"
    detail = workbook.create_sheet("出席明細")
    detail_rows = attendance_rows(record)
    _table(
        detail, 1, detail_rows, list(detail_rows[0]) if detail_rows else ["実施日"], styled=False
    )
    detail.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def record_csv(record: CohortRecord) -> str:
    """The lecture rows as CSV, UTF-8 with BOM so Excel in Japan opens it correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RECORD_COLUMNS)
    writer.writeheader()
    for row in lecture_rows(record):
        writer.writerow(
            {k: v if isinstance(v, int) else spreadsheet_safe(v) for k, v in row.items()}
        )
    return "\ufeff" + out.getvalue()


ATTENDED = {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}}
ANSWERED = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}


def xapi_statements(
    record: CohortRecord, base_url: str, answers: list[Any], codes: dict[int, str]
) -> list[XapiStatement]:
    """xAPI statements: who attended which lecture (minutes per area), and quiz answers."""
    base = base_url.rstrip("/")
    trainees = {t.trainee.id: t.trainee for t in record.trainees}
    infos = {info.lecture.id: info for info in record.lectures}

    def actor(trainee_id: int) -> dict[str, Any]:
        trainee = trainees[trainee_id]
        return {
            "objectType": "Agent",
            "name": f"{trainee.family_name} {trainee.given_name}",
            "account": {
                "homePage": base,
                "name": codes.get(trainee.user_id) or f"trainee-{trainee.id}",
            },
        }

    statements = []
    for (lecture_id, trainee_id), versions in sorted(record.attendance.items()):
        if trainee_id not in trainees or lecture_id not in infos:
            continue
        info, current = (
            infos[lecture_id],
            next((v for v in versions if v.superseded_at is None), versions[-1]),
        )
        minutes = sum(int(v) for v in current.minutes_by_area.values())
        statements.append(
            {
                # Stable ids: sending the export twice to a learning record store adds nothing.
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/attendance/{current.id}")),
                "actor": actor(trainee_id),
                "verb": ATTENDED,
                "object": {
                    "objectType": "Activity",
                    "id": f"{base}/lectures/{lecture_id}",
                    "definition": {
                        "name": {"ja": info.lecture.title},
                        "type": "http://adlnet.gov/expapi/activities/meeting",
                    },
                },
                "result": {
                    "completion": minutes > 0,
                    "duration": f"PT{minutes}M",
                    "extensions": {f"{base}/xapi/minutes-by-area": current.minutes_by_area},
                },
                "context": {
                    "language": current.language,
                    "revision": str(info.revision),
                    "extensions": {f"{base}/xapi/course": record.definition.code},
                },
                "timestamp": info.start.isoformat(),
            }
        )
    for answer in answers:
        if answer.trainee_id not in trainees:
            continue
        statements.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/answers/{answer.id}")),
                "actor": actor(answer.trainee_id),
                "verb": ANSWERED,
                "object": {
                    "objectType": "Activity",
                    "id": f"{base}/courses/{record.definition.code}/modules/{answer.module_code}"
                    f"/quiz/{answer.position}",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                        "interactionType": "choice",
                    },
                },
                "result": {"success": bool(answer.correct), "response": answer.choice},
                "context": {"language": answer.language, "revision": str(answer.revision_number)},
                "timestamp": answer.answered_at.isoformat(),
            }
        )
    return [XapiStatement.model_validate(statement) for statement in statements]
