"""Training-record pages: a cohort's dashboard, the printable post-entry training record
(入国後講習実施記録) and a trainee's certificate of completion (修了証).

Thin routes: the facts come from app.records.service in a fixed number of queries, the
record's rows from app.records.exports (the same rows as the XLSX and CSV).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app.accounts.dependencies import require_roles
from app.clock import JAPAN
from app.cohorts.dependencies import OwnedCohort, OwnedTrainee
from app.courses.definitions import Area, CourseDefinition
from app.db import MAX_ROW_ID, utcnow
from app.deps import SessionDep
from app.http import csrf
from app.http.language import request_language
from app.http.rendering import render, ui_language
from app.i18n import N_, gettext
from app.records import background, exports, service
from app.records.dependencies import CohortRecordDep, DefinitionForDep
from app.records.errors import ExportNotFound
from app.records.schemas import ExportProgress
from app.records.service import CohortRecord, LectureInfo, TraineeRecord
from app.web import paging, record_charts
from app.web.cohorts import country_name

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_roles("admin", "staff"))])

STATUSES = ("complete", "in-progress", "problem")
STATUS_LABELS = {
    "complete": N_("Complete"),
    "in-progress": N_("In progress"),
    "problem": N_("Problem"),
}
# The statuses as the record's 状況 column translates them (exports.trainee_rows); "complete"
# is marked in app.i18n.DATA_WORDS.
STATUS_WORDS = (N_("in-progress"), N_("problem"))

# The certificate's words, shown in Japanese and in the trainee's language. Every trainee
# catalog translates exactly these (and the titles below).
CERTIFICATE_TEXTS = {
    "title": N_("Certificate of completion"),
    "name": N_("Full name"),
    "nationality": N_("Nationality"),
    "course": N_("Course title"),
    "dates": N_("Lecture dates"),
    "area": N_("Statutory area"),
    "minutes": N_("Minutes attended"),
    "total": N_("Total"),
    "statement": N_(
        "This certifies that the person named above has completed the legal-protection lecture "
        "of the post-entry training, attending at least the required time in each statutory area."
    ),
    "organisation": N_("Supervising organisation"),
    "licence": N_("Licence number"),
    "issued": N_("Date of issue"),
}
# The English titles of the shipped course definitions and their statutory areas: a
# certificate in a language the definition has no title in is translated from these.
DEFINITION_TITLES = (
    N_("Legal-protection lecture"),
    N_("Legal-protection lecture (Employment for Skill Development)"),
    N_("Technical Intern Training Act and program rules"),
    N_("Employment for Skill Development Act and program rules"),
    N_("Immigration Control Act"),
    N_("Labour laws"),
    N_("Other information needed for protection"),
)


def _titled(titles: dict[str, str], language: str, fallback: str) -> str:
    """A definition's own title in the language, else its English title translated."""
    if titles.get(language):
        return titles[language]
    english = titles.get("en")
    return gettext(language, english) if english else fallback


def area_title(area: Area, language: str) -> str:
    return _titled(area.titles, language, area.code)


def course_title(definition: CourseDefinition, language: str) -> str:
    return _titled(definition.titles, language, definition.title(language))


def long_date(day: date, language: str) -> str:
    return format_date(day, format="long", locale=language.replace("-", "_"))


@dataclass
class DashboardRow:
    item: TraineeRecord
    short_areas: set[str]
    reasons: list[tuple[str, bool]]  # (text in the UI language, blocking)
    missing: int  # minutes still missing across the areas

    @property
    def status(self) -> str:
        return self.item.compliance.status

    @property
    def self_study(self) -> int:
        return sum(self.item.compliance.self_study_minutes.values())


# Trainees at risk first: a problem, then the most minutes missing, then by number.
RISK = {"problem": 0, "in-progress": 1, "complete": 2}


def _at_risk_first(row: DashboardRow) -> tuple[int, int, str]:
    return RISK.get(row.status, 1), -row.missing, row.item.trainee.trainee_number


def _dashboard_row(
    item: TraineeRecord, definition: CourseDefinition, language: str
) -> DashboardRow:
    minutes = item.compliance.minutes_by_area
    return DashboardRow(
        item=item,
        short_areas={
            area.code
            for area in definition.areas
            if minutes.get(area.code, 0) < area.minimum_minutes
        },
        reasons=[(reason.text(language), reason.blocking) for reason in item.compliance.reasons],
        missing=sum(
            max(0, area.minimum_minutes - minutes.get(area.code, 0)) for area in definition.areas
        ),
    )


def days_left(record: CohortRecord, today: date) -> int | None:
    """Days from today until work starts (0 on the day; negative once it has started)."""
    work_start = record.cohort.work_start
    return (work_start - today).days if work_start else None


@router.get("/cohorts/{cohort_id}/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    record: CohortRecordDep,
    status: str = "all",
    short: str = "",
    q: str = "",
) -> Any:
    """Each cohort's progress at a glance (charts of the areas and of the period, days left
    before work starts), then its trainees, those at risk first, with minutes per statutory
    area against the minimums, self-study time, status and reasons."""
    definition = record.definition
    language = ui_language(request)
    today = record.today or utcnow().astimezone(JAPAN).date()
    rows = sorted(
        (_dashboard_row(item, definition, language) for item in record.trainees),
        key=_at_risk_first,
    )
    status = status if status in STATUSES else "all"
    short = short if definition.area(short) is not None else ""
    q = paging.query_text(q)
    shown = paging.filtered(
        (
            row
            for row in rows
            if (status == "all" or row.status == status) and (not short or short in row.short_areas)
        ),
        q,
        lambda row: (
            row.item.trainee.trainee_number,
            row.item.trainee.family_name,
            row.item.trainee.given_name,
            row.item.trainee.name_katakana,
        ),
    )
    return render(
        request,
        "records/dashboard.html",
        record=record,
        definition=definition,
        paged=paging.paginate(request, shown, q),
        shown=len(shown),
        total=len(rows),
        q=q,
        today=today,
        days_left=days_left(record, today),
        area_chart=record_charts.area_chart(record),
        progress=record_charts.progress_chart(record, today),
        self_study_counts=definition.self_study_counts,
        counts={key: sum(1 for row in rows if row.status == key) for key in STATUSES},
        short_counts={
            area.code: sum(1 for row in rows if area.code in row.short_areas)
            for area in definition.areas
        },
        status=status,
        short=short,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        area_title=area_title,
        course_title=course_title,
    )


# How a trainee's minutes were recorded (AttendanceRecord.source), in the staff's language.
SOURCE_LABELS = {
    "device": N_("Trainee's phone"),
    "roster": N_("Roster mark"),
    "paper": N_("Paper sheet"),
    "meeting": N_("Meeting report"),
    "none": N_("No data"),
}
ROSTER_LABELS = {
    "present": N_("present"),
    "late": N_("late"),
    "left-early": N_("left early"),
    "absent": N_("absent"),
}


@dataclass
class LectureLine:
    """One confirmed lecture on a trainee's own record."""

    info: LectureInfo
    person: exports.Attendee
    excluded: list[str]  # why it does not count, in the UI language (empty: it counts)


@router.get("/trainees/{trainee_id}/record", response_class=HTMLResponse)
def trainee_record_page(
    request: Request,
    session: SessionDep,
    trainee: OwnedTrainee,
    definition_of: DefinitionForDep,
) -> Any:
    """A trainee's own record: each lecture with minutes per area, how they were recorded,
    arrival and leaving, corrections and whether it counts; then self-study, kept apart."""
    record, mine = service.trainee_record(session, trainee, definition_of)
    language = ui_language(request)
    excluded = mine.compliance.excluded
    lines = [
        LectureLine(
            info,
            person,
            [reason.text(language) for reason in excluded.get(info.lecture.id, [])],
        )
        for info in record.confirmed_lectures()
        for person in exports.attendees(record, info.lecture.id)
        if person.trainee.id == trainee.id
    ]
    study = mine.compliance.self_study_minutes
    codes = {area.code for area in record.definition.areas}
    return render(
        request,
        "records/trainee.html",
        record=record,
        mine=mine,
        definition=record.definition,
        lines=lines,
        self_study=[(area, study.get(area.code, 0)) for area in record.definition.areas],
        self_study_other=sum(v for k, v in study.items() if k not in codes),
        self_study_total=sum(study.values()),
        source_labels=SOURCE_LABELS,
        roster_labels=ROSTER_LABELS,
        status_labels=STATUS_LABELS,
        area_title=area_title,
        hh_mm=exports.hh_mm,
    )


def _export_shown(
    session: Session, record: CohortRecord, export: str, language: str
) -> ExportProgress | None:
    """The progress of the export named in the page's address, if it is this cohort's."""
    if not export.isdigit() or not 0 < int(export) <= MAX_ROW_ID:
        return None
    try:
        return background.progress(background.get(session, record.cohort, int(export)), language)
    except ExportNotFound:
        return None


@router.get("/cohorts/{cohort_id}/record", response_class=HTMLResponse)
def training_record(
    request: Request, session: SessionDep, record: CohortRecordDep, export: str = ""
) -> Any:
    """The post-entry training record (入国後講習実施記録), printable on A4 landscape; with
    ``export`` (from the button that prepares the Excel record), that export's progress."""
    language = ui_language(request)
    return render(
        request,
        "records/record.html",
        record=record,
        export=_export_shown(session, record, export, language),
        heading=exports.heading(record),
        tables=[
            (
                "講習の実施状況",
                "record-lectures",
                exports.RECORD_COLUMNS,
                exports.lecture_rows(record),
            ),
            (
                "受講者別の受講状況",
                "record-trainees",
                exports.columns_of(record, exports.TRAINEE_COLUMNS),
                exports.trainee_rows(record, language),
            ),
            (
                "出席明細",
                "record-attendance",
                exports.columns_of(record, exports.ATTENDANCE_COLUMNS),
                exports.attendance_rows(record),
            ),
            (
                "自習時間（講習時間とは別に記録）",
                "record-self-study",
                exports.columns_of(record, exports.SELF_STUDY_COLUMNS),
                exports.self_study_rows(record),
            ),
        ],
        cell_text=exports.cell_text,
        made_on=utcnow().astimezone(JAPAN).date(),
    )


@router.post("/cohorts/{cohort_id}/record/export", response_class=HTMLResponse)
def prepare_record_xlsx(
    request: Request,
    session: SessionDep,
    cohort: OwnedCohort,
    csrf_token: Annotated[str, Form()] = "",
) -> Any:
    """Start preparing the Excel record, then show its progress on the record's page."""
    csrf.verify(request, csrf_token)
    export = background.start(session, cohort, request_language(request))
    return RedirectResponse(f"/cohorts/{cohort.id}/record?export={export.id}", status_code=303)


def _certificate_block(
    record: CohortRecord, mine: TraineeRecord, language: str, issued: date
) -> dict[str, Any]:
    definition, compliance = record.definition, mine.compliance
    counted = set(compliance.counted_lectures)
    days = sorted({info.start.date() for info in record.lectures if info.lecture.id in counted})
    return {
        "lang": language,
        "text": {key: gettext(language, message) for key, message in CERTIFICATE_TEXTS.items()},
        "nationality": country_name(mine.trainee.nationality, language),
        "course": course_title(definition, language),
        "dates": [long_date(day, language) for day in days],
        "areas": [
            (area_title(area, language), compliance.minutes_by_area.get(area.code, 0))
            for area in definition.areas
        ],
        "total": compliance.total_minutes,
        "issued": long_date(issued, language),
    }


@router.get("/trainees/{trainee_id}/certificate", response_class=HTMLResponse)
def certificate(
    request: Request,
    session: SessionDep,
    trainee: OwnedTrainee,
    definition_of: DefinitionForDep,
) -> Any:
    """The certificate of completion in Japanese and the trainee's language (A4 portrait).

    Only for a trainee whose status is complete; otherwise NotComplete (the error page).
    """
    record, mine = service.certificate(session, trainee, definition_of)
    issued = utcnow().astimezone(JAPAN).date()
    languages = ["ja"]
    if mine.trainee.preferred_language != "ja":
        languages.append(mine.trainee.preferred_language)
    return render(
        request,
        "records/certificate.html",
        record=record,
        trainee=mine.trainee,
        blocks=[_certificate_block(record, mine, tag, issued) for tag in languages],
    )
