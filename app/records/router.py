"""The records API: compliance, the post-entry training record (XLSX, CSV), xAPI, purging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from app.accounts.dependencies import READS_RECORDS, CooperativeAccessDep, optional_principal
from app.accounts.errors import LoginRequired
from app.cohorts import access as cohort_access
from app.cohorts import service as cohorts
from app.cohorts.dependencies import OwnedCohort, OwnedTrainee
from app.db import RowId, transaction
from app.deps import SessionDep, SettingsDep
from app.http import confirm as confirmation
from app.http.confirm import ConfirmQuery
from app.http.gate import CheckedBeforeBody
from app.http.language import request_language
from app.http.openapi import file_download
from app.http.progress import progress_events
from app.records import background, exports, service, xapi
from app.records.background import XLSX
from app.records.dependencies import CohortRecordDep, DefinitionForDep
from app.records.schemas import (
    CohortCompliance,
    ExportProgress,
    Purged,
    TraineeCompliance,
    XapiStatement,
)

router = APIRouter(prefix="/api/v1", tags=["records"])
# Event streams check the caller themselves, in short sessions of their own (as the import's).
streams = APIRouter(prefix="/api/v1", tags=["records"], route_class=CheckedBeforeBody)


def _xlsx_download(data: bytes, cohort_id: int) -> Response:
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": (
                f'attachment; filename="training-record-cohort-{cohort_id}.xlsx"'
            )
        },
    )


@router.get(
    "/cohorts/{cohort_id}/compliance", dependencies=[READS_RECORDS], response_model=CohortCompliance
)
def cohort_compliance(request: Request, record: CohortRecordDep) -> CohortCompliance:
    """Each trainee's minutes per statutory area, quiz score, status and reasons."""
    language = request_language(request)
    return CohortCompliance(
        cohort_id=record.cohort.id,
        course=record.definition.code,
        retention_until=record.retention_until(),
        trainees=[
            service.compliance_out(item, language, record.definition) for item in record.trainees
        ],
    )


@router.get(
    "/trainees/{trainee_id}/compliance",
    dependencies=[READS_RECORDS],
    response_model=TraineeCompliance,
)
def trainee_compliance(
    request: Request, session: SessionDep, trainee: OwnedTrainee, definition_of: DefinitionForDep
) -> TraineeCompliance:
    record, mine = service.trainee_record(session, trainee, definition_of)
    return service.compliance_out(mine, request_language(request), record.definition)


@router.get(
    "/cohorts/{cohort_id}/record.xlsx",
    dependencies=[READS_RECORDS],
    response_class=Response,
    responses=file_download(XLSX),
)
def record_xlsx(request: Request, record: CohortRecordDep) -> Response:
    """The post-entry training record (入国後講習実施記録) as an Excel workbook."""
    return _xlsx_download(exports.record_xlsx(record, request_language(request)), record.cohort.id)


@router.post(
    "/cohorts/{cohort_id}/record-exports",
    dependencies=[READS_RECORDS],
    response_model=ExportProgress,
    status_code=202,
)
def start_record_export(
    request: Request, session: SessionDep, cohort: OwnedCohort
) -> ExportProgress:
    """Prepare the Excel record in the background (a large cohort takes a while): follow its
    progress, then download the same workbook as ``record.xlsx`` from ``result_url``."""
    export = background.start(session, cohort, request_language(request))
    return background.progress(export, request_language(request))


@router.get(
    "/cohorts/{cohort_id}/record-exports/{export_id}/progress",
    dependencies=[READS_RECORDS],
    response_model=ExportProgress,
)
def record_export_progress(
    request: Request, session: SessionDep, cohort: OwnedCohort, export_id: RowId
) -> ExportProgress:
    """How many trainees are written (the event stream sends the same on each change)."""
    return background.progress(
        background.get(session, cohort, export_id), request_language(request)
    )


@router.get(
    "/cohorts/{cohort_id}/record-exports/{export_id}/record.xlsx",
    dependencies=[READS_RECORDS],
    response_class=Response,
    responses={**file_download(XLSX), 409: {"description": "the record is not ready yet"}},
)
def record_export_download(
    session: SessionDep, settings: SettingsDep, cohort: OwnedCohort, export_id: RowId
) -> Response:
    """The prepared workbook, once its export is done."""
    export = background.get(session, cohort, export_id)
    return _xlsx_download(background.workbook(settings, export), cohort.id)


def _export_now(request: Request, cohort_id: int, export_id: int) -> ExportProgress:
    """The export's progress if the caller may still read it (else a DomainError)."""
    with transaction(request.app.state.session_factory) as session:
        principal = optional_principal(request, session)
        if principal is None:
            raise LoginRequired()
        principal.require_cooperative_access()
        cohort = cohort_access.owned_cohort(session, principal, cohort_id)
        export = background.get(session, cohort, export_id)
        return background.progress(export, request_language(request))


async def export_start(request: Request, cohort_id: RowId, export_id: RowId) -> ExportProgress:
    # A dependency, so that 401, 403 and 404 are answered before the stream's 200 starts.
    return await run_in_threadpool(_export_now, request, cohort_id, export_id)


@streams.get(
    "/cohorts/{cohort_id}/record-exports/{export_id}/progress/events",
    response_class=EventSourceResponse,
)
async def record_export_events(
    request: Request,
    cohort_id: RowId,
    export_id: RowId,
    start: Annotated[ExportProgress, Depends(export_start)],
) -> AsyncIterator[ExportProgress]:
    """Server-sent events (``progress``): the export's progress at once, then each change,
    until it is finished. The worker may be another process: the stream reads what it writes."""
    async for event in progress_events(
        request, start, lambda: _export_now(request, cohort_id, export_id)
    ):
        yield event


@router.get(
    "/cohorts/{cohort_id}/record.csv",
    dependencies=[READS_RECORDS],
    response_class=Response,
    responses=file_download("text/csv"),
)
def record_csv(record: CohortRecordDep) -> Response:
    """The post-entry training record as CSV (UTF-8 with BOM)."""
    return Response(
        exports.record_csv(record),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="training-record-cohort-{record.cohort.id}.csv"'
            )
        },
    )


@router.get(
    "/cohorts/{cohort_id}/xapi",
    dependencies=[READS_RECORDS],
    response_model=list[XapiStatement],
    response_model_exclude_none=True,
)
def record_xapi(
    request: Request, session: SessionDep, record: CohortRecordDep
) -> list[XapiStatement]:
    """Attendance and quiz answers as xAPI statements for the cooperative's learning record store."""
    cohort_id = record.cohort.id
    return xapi.xapi_statements(
        record,
        str(request.base_url),
        service.quiz_answers(session, cohort_id),
        cohorts.login_codes(session, cohort_id),
    )


@router.delete(
    "/cohorts/{cohort_id}/records",
    response_model=Purged,
    responses={428: {"description": "confirm=true was not given: nothing was deleted"}},
)
def purge(
    session: SessionDep,
    principal: CooperativeAccessDep,
    cohort: OwnedCohort,
    definition_of: DefinitionForDep,
    confirm: ConfirmQuery = False,
) -> Purged:
    """Delete a cohort and its trainees' records once the retention period has ended.

    Nothing brings them back, so the caller says ``confirm=true``."""
    cohort_id = cohort.id
    count = confirmation.confirmed(
        session,
        confirm,
        lambda: service.purge_cohort(session, principal, cohort, definition_of(cohort)),
    )
    return Purged(cohort_id=cohort_id, trainees_removed=count)
