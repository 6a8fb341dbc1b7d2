"""The cohorts JSON API: cohorts, trainees, spreadsheet import, PINs, CSV export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.accounts import service as accounts
from app.accounts.dependencies import MANAGES_COHORTS, READS_RECORDS, CooperativeAccessDep
from app.accounts.schemas import EmployerRead
from app.cohorts import languages, service
from app.cohorts.dependencies import OwnedCohort
from app.cohorts.errors import SpreadsheetTooLarge
from app.cohorts.schemas import (
    Card,
    CohortCreate,
    CohortCreated,
    CohortRead,
    CohortUpdate,
    EmployerMerge,
    ImportReport,
    TraineeCreate,
    TraineeMerge,
    TraineeRead,
    TraineeUpdate,
)
from app.courses import service as courses
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep
from app.http.gate import CheckedBeforeBody
from app.http.language import request_language
from app.http.openapi import file_download

router = APIRouter(prefix="/api/v1", tags=["cohorts"], route_class=CheckedBeforeBody)
MAX_SPREADSHEET_BYTES = 5 * 1024 * 1024


def read_spreadsheet(file: UploadFile) -> bytes:
    """Read an uploaded trainee list, refusing one larger than any real cohort list."""
    data = file.file.read(MAX_SPREADSHEET_BYTES + 1)
    if len(data) > MAX_SPREADSHEET_BYTES:
        raise SpreadsheetTooLarge(limit_mb=MAX_SPREADSHEET_BYTES // (1024 * 1024))
    return data


@router.get("/cohorts", dependencies=[READS_RECORDS], response_model=list[CohortRead])
def list_cohorts(session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return service.list_cohorts(session, principal)


@router.post(
    "/cohorts", dependencies=[MANAGES_COHORTS], response_model=CohortCreated, status_code=201
)
def create_cohort(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    body: CohortCreate,
) -> Any:
    """Create a cohort; the answer warns about every language its trainees will not be shown
    in (no complete translation of the published revision) and names what they see instead."""
    courses.get_definition(definitions, body.course_code)
    cohort = service.create_cohort(session, principal, **body.model_dump())
    warnings = languages.cohort_warnings(session, cohort, definitions, request_language(request))
    return {**CohortRead.model_validate(cohort).model_dump(), "language_warnings": warnings}


@router.get("/cohorts/{cohort_id}", dependencies=[READS_RECORDS], response_model=CohortRead)
def get_cohort(session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId) -> Any:
    return service.get_cohort(session, principal, cohort_id)


@router.put("/cohorts/{cohort_id}", dependencies=[MANAGES_COHORTS], response_model=CohortRead)
def update_cohort(
    session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId, body: CohortUpdate
) -> Any:
    return service.update_cohort(session, principal, cohort_id, **body.model_dump())


@router.delete("/cohorts/{cohort_id}", dependencies=[MANAGES_COHORTS], status_code=204)
def delete_cohort(
    session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId
) -> Response:
    service.delete_cohort(session, principal, cohort_id)
    return Response(status_code=204)


@router.get(
    "/cohorts/{cohort_id}/trainees", dependencies=[READS_RECORDS], response_model=list[TraineeRead]
)
def list_trainees(session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId) -> Any:
    return service.list_trainees(session, principal, cohort_id)


@router.post(
    "/cohorts/{cohort_id}/trainees",
    dependencies=[MANAGES_COHORTS],
    response_model=TraineeRead,
    status_code=201,
)
def create_trainee(
    session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId, body: TraineeCreate
) -> Any:
    """Add one trainee (their login code is made; the PIN comes with a printed card)."""
    return service.create_trainee(session, principal, cohort_id, **body.model_dump())


@router.post(
    "/employers/{employer_id}/merge", dependencies=[MANAGES_COHORTS], response_model=EmployerRead
)
def merge_employer(
    session: SessionDep, principal: CooperativeAccessDep, employer_id: RowId, body: EmployerMerge
) -> Any:
    """Move the employer's trainees to ``into_employer_id`` (same cooperative) and remove it."""
    return service.merge_employers(session, principal, employer_id, body.into_employer_id)


@router.post(
    "/cohorts/{cohort_id}/import",
    dependencies=[MANAGES_COHORTS],
    response_model=ImportReport,
    responses={
        422: {"model": ImportReport, "description": "nothing was imported"},
        409: {
            "model": ImportReport,
            "description": "nothing was imported: new employers wait for confirmation",
        },
    },
)
def import_trainees(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cohort_id: RowId,
    _cohort: OwnedCohort,  # checked before the file is read (app.http.gate)
    definitions: DefinitionsDep,
    file: Annotated[UploadFile | None, File(description="CSV (UTF-8 or Shift_JIS) or XLSX")] = None,
    valid_only: Annotated[bool, Form()] = False,
    create_employers: Annotated[
        list[str],
        Form(description="employers (as written) the import may create; see new_employers"),
    ] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Any:
    """Import trainees; with errors nothing is imported unless valid_only is set.

    Without a file the answer is a rejected report too (code ``no-file``), as documented.
    Employers the cooperative does not have are created only when named in
    create_employers; until then the answer is 409 with ``new_employers`` and nothing is
    written.
    """
    report = service.import_trainees(
        session,
        principal,
        cohort_id,
        data=read_spreadsheet(file) if file is not None else None,
        filename=(file.filename if file is not None else None) or "trainees.csv",
        valid_only=valid_only,
        create_employers=create_employers,
        language=request_language(request),
    )
    report["language_warnings"] = languages.cohort_warnings(
        session, _cohort, definitions, request_language(request)
    )
    if report["status"] in ("rejected", "confirm"):
        return JSONResponse(
            ImportReport.model_validate(report).model_dump(mode="json"),
            status_code=422 if report["status"] == "rejected" else 409,
        )
    return report


@router.post("/cohorts/{cohort_id}/cards", response_model=list[Card])
def issue_cards(session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId) -> Any:
    """New PINs for every trainee of the cohort (shown once); old cards stop working."""
    return [
        {
            "trainee_id": t.id,
            "trainee_number": t.trainee_number,
            "name": f"{t.family_name} {t.given_name}",
            "login_code": code,
            "pin": pin,
        }
        for t, code, pin in service.issue_pins(session, principal, cohort_id)
    ]


@router.get(
    "/cohorts/{cohort_id}/trainees.csv",
    dependencies=[READS_RECORDS],
    response_class=Response,
    responses=file_download("text/csv"),
)
def export_trainees(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId
) -> Response:
    """The trainee list as CSV; cell text that a spreadsheet could run as a formula is quoted."""
    body = service.trainees_csv(session, principal, cohort_id, request_language(request))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort_id}-trainees.csv"'},
    )


@router.get("/trainees/{trainee_id}", dependencies=[READS_RECORDS], response_model=TraineeRead)
def get_trainee(session: SessionDep, principal: CooperativeAccessDep, trainee_id: RowId) -> Any:
    return service.get_trainee(session, principal, trainee_id)


@router.put("/trainees/{trainee_id}", dependencies=[MANAGES_COHORTS], response_model=TraineeRead)
def update_trainee(
    session: SessionDep, principal: CooperativeAccessDep, trainee_id: RowId, body: TraineeUpdate
) -> Any:
    fields = body.model_dump()
    if fields.get("employer_id") is not None:  # the employer must be the caller's too
        accounts.get_employer(session, principal, fields["employer_id"])
    return service.update_trainee(session, principal, trainee_id, **fields)


@router.post(
    "/trainees/{trainee_id}/merge", dependencies=[MANAGES_COHORTS], response_model=TraineeRead
)
def merge_trainee(
    session: SessionDep, principal: CooperativeAccessDep, trainee_id: RowId, body: TraineeMerge
) -> Any:
    """Remove a trainee registered twice in favour of ``into_trainee_id``; refused once
    anything is recorded for the duplicate."""
    return service.merge_trainees(session, principal, trainee_id, body.into_trainee_id)


@router.post("/trainees/{trainee_id}/pin", response_model=Card)
def reset_pin(session: SessionDep, principal: CooperativeAccessDep, trainee_id: RowId) -> Any:
    """A new PIN for one trainee (a lost card); shown once."""
    trainee = service.get_trainee(session, principal, trainee_id)
    (card,) = service.issue_pins(session, principal, trainee.cohort_id, [trainee.id])
    return {
        "trainee_id": trainee.id,
        "trainee_number": trainee.trainee_number,
        "name": f"{trainee.family_name} {trainee.given_name}",
        "login_code": card[1],
        "pin": card[2],
    }
