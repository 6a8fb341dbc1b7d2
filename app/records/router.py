"""The records API: compliance, the post-entry training record (XLSX, CSV), xAPI, purging."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.dependencies import CooperativeAccessDep
from app.accounts.tenancy import get_owned
from app.cohorts import service as cohorts
from app.cohorts.errors import CohortNotFound
from app.cohorts.models import Cohort
from app.courses import service as courses
from app.deps import DefinitionsDep, SessionDep
from app.errors import request_language
from app.records import exports, service

router = APIRouter(prefix="/api/v1", tags=["records"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def definition_for(definitions: dict[str, Any]) -> Any:
    """The course definition a cohort is taught by (its program's rules)."""
    return lambda cohort: courses.get_definition(definitions, cohort.course_code)


def _record(session: Any, principal: Any, definitions: Any, cohort_id: int) -> Any:
    cohort = get_owned(session, principal, Cohort, cohort_id, CohortNotFound)
    return service.cohort_record(session, principal, cohort_id, definition_for(definitions)(cohort))


@router.get("/cohorts/{cohort_id}/compliance")
def cohort_compliance(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    cohort_id: int,
) -> dict[str, Any]:
    """Each trainee's minutes per statutory area, quiz score, status and reasons."""
    record = _record(session, principal, definitions, cohort_id)
    language = request_language(request)
    return {
        "cohort_id": cohort_id,
        "course": record.definition.code,
        "retention_until": record.retention_until(),
        "trainees": [service.compliance_out(item, language) for item in record.trainees],
    }


@router.get("/trainees/{trainee_id}/compliance")
def trainee_compliance(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    trainee_id: int,
) -> dict[str, Any]:
    _, mine = service.trainee_record(session, principal, trainee_id, definition_for(definitions))
    return service.compliance_out(mine, request_language(request))


@router.get("/cohorts/{cohort_id}/record.xlsx")
def record_xlsx(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    cohort_id: int,
) -> Response:
    """The post-entry training record (入国後講習実施記録) as an Excel workbook."""
    record = _record(session, principal, definitions, cohort_id)
    return Response(
        exports.record_xlsx(record, request_language(request)),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="training-record-cohort-{cohort_id}.xlsx"'
        },
    )


@router.get("/cohorts/{cohort_id}/record.csv")
def record_csv(
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    cohort_id: int,
) -> Response:
    record = _record(session, principal, definitions, cohort_id)
    return Response(
        exports.record_csv(record),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="training-record-cohort-{cohort_id}.csv"'
        },
    )


@router.get("/cohorts/{cohort_id}/xapi")
def record_xapi(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    cohort_id: int,
) -> list[dict[str, Any]]:
    """Attendance and quiz answers as xAPI statements for the cooperative's learning record store."""
    record = _record(session, principal, definitions, cohort_id)
    return exports.xapi_statements(
        record,
        str(request.base_url),
        service.quiz_answers(session, cohort_id),
        cohorts.login_codes(session, cohort_id),
    )


@router.delete("/cohorts/{cohort_id}/records")
def purge(
    session: SessionDep,
    principal: CooperativeAccessDep,
    definitions: DefinitionsDep,
    cohort_id: int,
) -> dict[str, Any]:
    """Delete a cohort and its trainees' records once the retention period has ended."""
    cohort = get_owned(session, principal, Cohort, cohort_id, CohortNotFound)
    count = service.purge_cohort(session, principal, cohort_id, definition_for(definitions)(cohort))
    return {"cohort_id": cohort_id, "trainees_removed": count}
