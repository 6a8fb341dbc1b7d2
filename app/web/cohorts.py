"""Cooperative staff's pages: cohorts, trainee lists and their import, printed login cards."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

import segno
from babel import Locale
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.dependencies import CooperativeAccessDep, require_roles
from app.accounts.tenancy import Principal
from app.cohorts import languages as cohort_languages
from app.cohorts import service
from app.cohorts.dependencies import OwnedCohort
from app.cohorts.models import Cohort, Trainee
from app.cohorts.router import MAX_SPREADSHEET_BYTES, read_spreadsheet
from app.cohorts.spreadsheet import COLUMN_LABELS
from app.cohorts.template import trainee_template
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.db import RowId
from app.deps import SessionDep
from app.errors import DomainError
from app.http import csrf
from app.http.gate import CheckedBeforeBody
from app.http.rendering import render, ui_language
from app.i18n import N_, gettext
from app.languages import is_known
from app.web import paging

T = TypeVar("T")

router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(require_roles("admin", "staff"))],
    route_class=CheckedBeforeBody,
)

CsrfField = Annotated[str, Form()]
DateField = Annotated[date | None, Form()]
# Fallback languages as typed: "en, ja" (the master language always comes last anyway).
FallbackField = Annotated[str | None, Form(max_length=200)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Line = Annotated[str, Form(max_length=200)]


@dataclass
class TraineeForm:
    """One trainee as the add and edit forms send them."""

    family_name: str
    given_name: str
    name_katakana: str
    nationality: str
    preferred_language: str
    date_of_birth: date | None
    trainee_number: str
    employer_id: int | None

    def values(self) -> dict[str, Any]:
        return {
            "family_name": self.family_name.strip().upper(),
            "given_name": self.given_name.strip().upper(),
            "name_katakana": self.name_katakana.strip(),
            "nationality": self.nationality.strip().upper(),
            "preferred_language": self.preferred_language,
            "date_of_birth": self.date_of_birth,
            "trainee_number": self.trainee_number.strip(),
            "employer_id": self.employer_id,
        }


def trainee_form(
    family_name: Annotated[str, Form(min_length=1, max_length=100)],
    name_katakana: Annotated[str, Form(min_length=1, max_length=200)],
    preferred_language: Annotated[str, Form(min_length=2, max_length=16)],
    trainee_number: Annotated[str, Form(min_length=1, max_length=50)],
    given_name: Annotated[str, Form(max_length=100)] = "",
    nationality: Annotated[str, Form(max_length=2)] = "",
    date_of_birth: DateField = None,
    employer_id: Annotated[RowId | None, Form()] = None,
) -> TraineeForm:
    return TraineeForm(
        family_name,
        given_name,
        name_katakana,
        nationality,
        preferred_language,
        date_of_birth,
        trainee_number,
        employer_id,
    )


TraineeFormDep = Annotated[TraineeForm, Depends(trainee_form)]


def country_name(code: str, language: str) -> str:
    """The country's name in the UI language (the code itself when babel does not know it)."""
    return str(Locale.parse(language.replace("-", "_")).territories.get(code, code))


def _course_choices(request: Request) -> list[tuple[str, str]]:
    """(code, "name · program · from date") of every course, those in force first."""
    definitions: dict[str, CourseDefinition] = request.app.state.definitions
    return [(code, d.label(ui_language(request))) for code, d in definitions.items()]


# The columns a list may be sorted by, and the value each sorts on (no other key is taken).
COHORT_ORDER: dict[str, Callable[[Any], Any]] = {
    "name": lambda c: c.name,
    "arrival": lambda c: c.arrival_date,
    "training": lambda c: c.training_start,
    "work": lambda c: c.work_start,
}
TRAINEE_ORDER: dict[str, Callable[[Any], Any]] = {
    "number": lambda row: row.trainee.trainee_number,
    "name": lambda row: f"{row.trainee.family_name} {row.trainee.given_name}",
    "katakana": lambda row: row.trainee.name_katakana,
    "nationality": lambda row: row.trainee.nationality,
    "language": lambda row: row.trainee.preferred_language,
    "birth": lambda row: row.trainee.date_of_birth,
    "employer": lambda row: row.employer,
}


def _cohorts_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cooperatives = accounts.list_cooperatives(session, principal)
    names = {c.id: c.name for c in cooperatives}
    q = paging.query_text(request.query_params.get("q"))
    found = paging.filtered(
        service.list_cohorts(session, principal),
        q,
        lambda c: (
            c.name,
            names.get(c.cooperative_id, ""),
            *(
                str(d or "")
                for d in (c.arrival_date, c.training_start, c.training_end, c.work_start)
            ),
        ),
    )
    keys = {**COHORT_ORDER, "cooperative": lambda c: names.get(c.cooperative_id, "")}
    order = paging.sorting(request, keys, "arrival", descending=True)
    found = paging.sort_items(found, order, keys)
    paged = paging.paginate(request, found, q)
    return render(
        request,
        "cohorts.html",
        order=order,
        status_code=status_code,
        cohorts=paged.items,
        paged=paged,
        q=q,
        cooperatives=cooperatives,
        cooperative_names={c.id: c.name for c in cooperatives},
        form=form or {"languages": [], "fallback_languages": ["en"]},
        course_choices=_course_choices(request),
        error=error,
    )


def _cohort_page(
    request: Request,
    session: Session,
    principal: Principal,
    cohort_id: RowId,
    *,
    error: str | None = None,
    status_code: int = 200,
    new_trainee: dict[str, Any] | None = None,
) -> HTMLResponse:
    overview = service.cohort_overview(session, principal, cohort_id)
    q = paging.query_text(request.query_params.get("q"))
    found = paging.filtered(
        overview.trainees,
        q,
        lambda row: (
            row.trainee.trainee_number,
            row.trainee.family_name,
            row.trainee.given_name,
            row.trainee.name_katakana,
            row.employer,
            row.login_code,
        ),
    )
    order = paging.sorting(request, TRAINEE_ORDER, "number")
    paged = paging.paginate(request, paging.sort_items(found, order, TRAINEE_ORDER), q)
    definitions = request.app.state.definitions
    definition = definitions.get(overview.cohort.course_code)
    return render(
        request,
        "cohort.html",
        order=order,
        status_code=status_code,
        overview=overview,
        paged=paged,
        q=q,
        country_name=country_name,
        employers=accounts.employers_of(session, overview.cohort.cooperative_id),
        new_trainee=new_trainee or {},
        error=error,
        course_choices=_course_choices(request),
        course_label=definition.label(ui_language(request)) if definition else "",
        master_language=definition.master_language if definition else "ja",
        language_warnings=cohort_languages.cohort_warnings(
            session, overview.cohort, definitions, ui_language(request)
        ),
    )


def _failed(request: Request, session: Session, failure: DomainError) -> str:
    """Undo what the failed call may have flushed (the request would commit it) and say why."""
    session.rollback()
    return failure.text(ui_language(request))


def _saved_or_shown_again(
    request: Request,
    session: Session,
    action: Callable[[], T],
    saved_at: Callable[[T], str],
    page_again: Callable[[str, int], HTMLResponse],
) -> Response:
    """A form's action: on success, to the page that shows what was saved; refused, the
    form's page again with the reason (and the refusal's status)."""
    try:
        done = action()
    except DomainError as failure:
        return page_again(_failed(request, session, failure), failure.status_code)
    return RedirectResponse(saved_at(done), status_code=303)


@router.get("/cohorts", response_class=HTMLResponse)
def cohorts_page(request: Request, session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return _cohorts_page(request, session, principal)


@router.post("/cohorts", response_class=HTMLResponse)
def create_cohort_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: CsrfField = "",
    arrival_date: DateField = None,
    training_start: DateField = None,
    training_end: DateField = None,
    work_start: DateField = None,
    languages: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    cooperative_id: Annotated[RowId | None, Form()] = None,
    course_code: Annotated[str, Form(max_length=64)] = "legal-protection",
    fallback_languages: FallbackField = None,
) -> Any:
    csrf.verify(request, csrf_token)
    fields: dict[str, Any] = {
        "name": name.strip(),
        "arrival_date": arrival_date,
        "training_start": training_start,
        "training_end": training_end,
        "work_start": work_start,
        "languages": languages,
        "course_code": course_code,
    }
    try:
        fields["fallback_languages"] = cohort_languages.parse_tags(fallback_languages) or []
        courses.get_definition(request.app.state.definitions, course_code)
        cohort = service.create_cohort(session, principal, cooperative_id=cooperative_id, **fields)
    except DomainError as failure:
        return _cohorts_page(
            request,
            session,
            principal,
            form={**fields, "cooperative_id": cooperative_id},
            error=_failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/cohorts/{cohort.id}?saved=1", status_code=303)


@router.get("/cohorts/{cohort_id}", response_class=HTMLResponse)
def cohort_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId
) -> Any:
    return _cohort_page(request, session, principal, cohort_id)


@router.post("/cohorts/{cohort_id}", response_class=HTMLResponse)
def update_cohort_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cohort_id: RowId,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: CsrfField = "",
    arrival_date: DateField = None,
    training_start: DateField = None,
    training_end: DateField = None,
    work_start: DateField = None,
    programme_end: DateField = None,
    languages: Annotated[list[str], Form()] = [],  # noqa: B006
    reason: Annotated[str, Form(max_length=500)] = "",
    fallback_languages: FallbackField = None,
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        service.update_cohort(
            session,
            principal,
            cohort_id,
            name=name.strip(),
            arrival_date=arrival_date,
            training_start=training_start,
            training_end=training_end,
            work_start=work_start,
            programme_end=programme_end,
            languages=languages,
            reason=reason,
            fallback_languages=cohort_languages.parse_tags(fallback_languages) or [],
        )
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _cohort_page(
            request, session, principal, cohort_id, error=error, status_code=failure.status_code
        )
    return RedirectResponse(f"/cohorts/{cohort_id}?saved=1", status_code=303)


@router.post("/trainees/{trainee_id}/languages", response_class=HTMLResponse)
def trainee_languages_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    trainee_id: RowId,
    csrf_token: CsrfField = "",
    fallback_languages: FallbackField = None,
) -> Any:
    """A trainee's own fallback languages; an empty field gives them the cohort's again."""
    csrf.verify(request, csrf_token)
    trainee = service.get_trainee(session, principal, trainee_id)
    try:
        service.update_trainee(
            session,
            principal,
            trainee.id,
            fallback_languages=cohort_languages.parse_tags(fallback_languages) or [],
        )
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _cohort_page(
            request,
            session,
            principal,
            trainee.cohort_id,
            error=error,
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/cohorts/{trainee.cohort_id}?saved=1", status_code=303)


def _import_page(
    request: Request,
    session: Session,
    principal: Principal,
    cohort_id: RowId,
    *,
    report: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
    valid_only: bool = False,
) -> HTMLResponse:
    cohort, cooperative = service.cohort_with_cooperative(session, principal, cohort_id)
    return render(
        request,
        "trainee_import.html",
        status_code=status_code,
        cohort=cohort,
        cooperative=cooperative,
        report=report,
        language_warnings=cohort_languages.cohort_warnings(
            session, cohort, request.app.state.definitions, ui_language(request)
        )
        if report
        else [],
        valid_only=valid_only,
        error=error,
        columns=COLUMN_LABELS,
        limit_mb=MAX_SPREADSHEET_BYTES // (1024 * 1024),
    )


@router.get("/cohorts/{cohort_id}/import", response_class=HTMLResponse)
def import_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId
) -> Any:
    return _import_page(request, session, principal, cohort_id)


@router.post("/cohorts/{cohort_id}/import", response_class=HTMLResponse)
def import_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cohort_id: RowId,
    _cohort: OwnedCohort,  # checked before the file is read (app.http.gate)
    file: Annotated[UploadFile, File()],
    csrf_token: CsrfField = "",
    valid_only: Annotated[bool, Form()] = False,
    create_employers: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Any:
    """Import and show the report at once: the report is not stored, and importing the same
    file again changes nothing, so a reload does no harm (no post/redirect/get here)."""
    csrf.verify(request, csrf_token)
    try:
        report = service.import_trainees(
            session,
            principal,
            cohort_id,
            data=read_spreadsheet(file),
            filename=file.filename or "trainees.csv",
            valid_only=valid_only,
            create_employers=create_employers,
            language=ui_language(request),
        )
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _import_page(
            request, session, principal, cohort_id, error=error, status_code=failure.status_code
        )
    status = {"rejected": 422, "confirm": 409}.get(report["status"], 200)
    return _import_page(
        request,
        session,
        principal,
        cohort_id,
        report=report,
        status_code=status,
        valid_only=valid_only,
    )


@router.get("/trainee-template.xlsx", response_class=Response)
def trainee_template_download() -> Response:
    """The trainee list template (Japanese and English headings, how to fill it in)."""
    return Response(
        trainee_template(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="trainee-list-template.xlsx"'},
    )


# --- one trainee, one employer -----------------------------------------------------------


@router.post("/cohorts/{cohort_id}/trainees", response_class=HTMLResponse)
def add_trainee_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cohort_id: RowId,
    fields: TraineeFormDep,
    csrf_token: CsrfField = "",
) -> Any:
    """Add one trainee to the cohort (a late arrival), without a spreadsheet."""
    csrf.verify(request, csrf_token)
    try:
        trainee = service.create_trainee(session, principal, cohort_id, **fields.values())
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _cohort_page(
            request,
            session,
            principal,
            cohort_id,
            error=error,
            status_code=failure.status_code,
            new_trainee=fields.values(),
        )
    return RedirectResponse(f"/trainees/{trainee.id}?saved=1", status_code=303)


def _trainee_page(
    request: Request,
    session: Session,
    principal: Principal,
    trainee_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    trainee = service.get_trainee(session, principal, trainee_id)
    cohort, cooperative = service.cohort_with_cooperative(session, principal, trainee.cohort_id)
    return render(
        request,
        "trainee_edit.html",
        status_code=status_code,
        trainee=trainee,
        cohort=cohort,
        cooperative=cooperative,
        employers=accounts.employers_of(session, cohort.cooperative_id),
        classmates=[
            t for t in service.list_trainees(session, principal, cohort.id) if t.id != trainee.id
        ],
        error=error,
    )


@router.get("/trainees/{trainee_id}", response_class=HTMLResponse)
def trainee_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, trainee_id: RowId
) -> Any:
    return _trainee_page(request, session, principal, trainee_id)


@router.post("/trainees/{trainee_id}", response_class=HTMLResponse)
def update_trainee_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    trainee_id: RowId,
    fields: TraineeFormDep,
    csrf_token: CsrfField = "",
) -> Any:
    csrf.verify(request, csrf_token)
    values = fields.values()
    values.pop("nationality")
    values.pop("date_of_birth")
    return _saved_or_shown_again(
        request,
        session,
        lambda: service.update_trainee(session, principal, trainee_id, **values),
        lambda _kept: f"/trainees/{trainee_id}?saved=1",
        lambda error, status: _trainee_page(
            request, session, principal, trainee_id, error=error, status_code=status
        ),
    )


@router.post("/trainees/{trainee_id}/merge", response_class=HTMLResponse)
def merge_trainee_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    trainee_id: RowId,
    into_trainee_id: Annotated[RowId, Form()],
    csrf_token: CsrfField = "",
) -> Any:
    """Remove this registration of a trainee registered twice, keeping the one chosen."""
    csrf.verify(request, csrf_token)
    return _saved_or_shown_again(
        request,
        session,
        lambda: service.merge_trainees(session, principal, trainee_id, into_trainee_id),
        lambda kept: f"/trainees/{kept.id}?saved=1",
        lambda error, status: _trainee_page(
            request, session, principal, trainee_id, error=error, status_code=status
        ),
    )


def _employer_page(
    request: Request,
    session: Session,
    principal: Principal,
    employer_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    employer = accounts.get_employer(session, principal, employer_id)
    cooperative = accounts.get_cooperative(session, principal, employer.cooperative_id)
    others = [
        e for e in accounts.employers_of(session, employer.cooperative_id) if e.id != employer.id
    ]
    return render(
        request,
        "employer.html",
        status_code=status_code,
        employer=employer,
        cooperative=cooperative,
        others=others,
        trainee_count=service.employer_trainee_count(session, employer.id),
        error=error,
    )


@router.get("/employers/{employer_id}", response_class=HTMLResponse)
def employer_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, employer_id: RowId
) -> Any:
    return _employer_page(request, session, principal, employer_id)


@router.post("/employers/{employer_id}", response_class=HTMLResponse)
def update_employer_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    employer_id: RowId,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: CsrfField = "",
    address: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    csrf.verify(request, csrf_token)
    return _saved_or_shown_again(
        request,
        session,
        lambda: accounts.update_employer(
            session, principal, employer_id, name=name.strip(), address=address.strip()
        ),
        lambda _kept: f"/employers/{employer_id}?saved=1",
        lambda error, status: _employer_page(
            request, session, principal, employer_id, error=error, status_code=status
        ),
    )


@router.post("/employers/{employer_id}/merge", response_class=HTMLResponse)
def merge_employer_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    employer_id: RowId,
    into_employer_id: Annotated[RowId, Form()],
    csrf_token: CsrfField = "",
) -> Any:
    """Merge this employer into another (one company entered twice); its trainees move."""
    csrf.verify(request, csrf_token)
    return _saved_or_shown_again(
        request,
        session,
        lambda: service.merge_employers(session, principal, employer_id, into_employer_id),
        lambda kept: f"/employers/{kept.id}?saved=1",
        lambda error, status: _employer_page(
            request, session, principal, employer_id, error=error, status_code=status
        ),
    )


# What a login card says, in Japanese and in its trainee's language: the labels, then the
# steps to log in, each drawn as a picture too (cards.html), then the way without a camera.
CARD_LABELS = (N_("Login code"), N_("PIN"))
CARD_STEPS = (
    ("scan", N_("Scan the QR code with your phone's camera.")),
    ("pin", N_("Enter the PIN on this card.")),
    ("lecture", N_("Open your lecture and keep the screen on.")),
)
CARD_NO_CAMERA = N_("No camera? Open {url} and type your login code.")


@dataclass(frozen=True)
class CardWords:
    """A card's words in Japanese and, where it differs, the trainee's language."""

    languages: tuple[str, ...]
    code: tuple[str, ...]
    pin: tuple[str, ...]
    steps: tuple[tuple[str, tuple[str, ...]], ...]  # (picture, the step in each language)
    no_camera: tuple[str, ...]


@functools.lru_cache(maxsize=16)
def card_words(language: str, login_url: str) -> CardWords:
    languages = ("ja",) if language == "ja" else ("ja", language)

    def each(message: str, **params: str) -> tuple[str, ...]:
        return tuple(gettext(tag, message, **params) for tag in languages)

    return CardWords(
        languages=languages,
        code=each(CARD_LABELS[0]),
        pin=each(CARD_LABELS[1]),
        steps=tuple((picture, each(step)) for picture, step in CARD_STEPS),
        no_camera=each(CARD_NO_CAMERA, url=login_url),
    )


def _card_page(
    request: Request,
    cohort: Cohort,
    cooperative_name: str,
    issued: list[tuple[Trainee, str, str]],
) -> HTMLResponse:
    """The printable login cards. The QR code holds only the login address with the code;
    the PIN is printed, never encoded, so a photo of the code alone does not log anyone in."""
    login_url = f"{request.base_url}t/login"
    cards = [
        {
            "trainee": trainee,
            "login_code": code,
            "pin": pin,
            "qr": Markup(
                segno.make(f"{login_url}?code={code}", error="m").svg_inline(scale=3, omitsize=True)
            ),
            "words": card_words(
                trainee.preferred_language if is_known(trainee.preferred_language) else "en",
                login_url,
            ),
        }
        for trainee, code, pin in issued
    ]
    return render(
        request,
        "cards.html",
        cohort=cohort,
        cooperative_name=cooperative_name,
        cards=cards,
        login_url=login_url,
    )


@router.post("/cohorts/{cohort_id}/cards", response_class=HTMLResponse)
def print_cards(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cohort_id: RowId,
    csrf_token: CsrfField = "",
) -> Any:
    """New PINs for the whole cohort, shown once on printable cards; old cards stop working."""
    csrf.verify(request, csrf_token)
    issued = service.issue_pins(session, principal, cohort_id)
    cohort, cooperative = service.cohort_with_cooperative(session, principal, cohort_id)
    return _card_page(request, cohort, cooperative.name, issued)


@router.post("/trainees/{trainee_id}/pin", response_class=HTMLResponse)
def print_one_card(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    trainee_id: RowId,
    csrf_token: CsrfField = "",
) -> Any:
    """A new PIN for one trainee (a lost card) on a single printable card."""
    csrf.verify(request, csrf_token)
    trainee = service.get_trainee(session, principal, trainee_id)
    issued = service.issue_pins(session, principal, trainee.cohort_id, [trainee.id])
    cohort, cooperative = service.cohort_with_cooperative(session, principal, trainee.cohort_id)
    return _card_page(request, cohort, cooperative.name, issued)
