"""The records API: compliance, the post-entry training record (XLSX, CSV), xAPI, purging."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.dependencies import READS_RECORDS, CooperativeAccessDep
from app.cohorts import service as cohorts
from app.cohorts.dependencies import OwnedCohort, OwnedTrainee
from app.deps import SessionDep
from app.http import confirm as confirmation
from app.http.confirm import ConfirmQuery
from app.http.language import request_language
from app.http.openapi import file_download
from app.records import exports, service, xapi
from app.records.dependencies import CohortRecordDep, DefinitionForDep
from app.records.schemas import CohortCompliance, Purged, TraineeCompliance, XapiStatement

router = APIRouter(prefix="/api/v1", tags=["records"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    return Response(
        exports.record_xlsx(record, request_language(request)),
        media_type=XLSX,
        headers={
            "Content-Disposition": (
                f'attachment; filename="training-record-cohort-{record.cohort.id}.xlsx"'
            )
        },
    )


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
