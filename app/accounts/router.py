"""The accounts JSON API: cooperatives, employers, users, API tokens and the audit log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from app.accounts import lecturers, service
from app.accounts.dependencies import (
    MANAGES_COHORTS,
    READS_RECORDS,
    AdminDep,
    CooperativeAccessDep,
    PrincipalDep,
)
from app.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenRead,
    AuditRead,
    CooperativeCreate,
    CooperativeRead,
    CooperativeUpdate,
    EmployerCreate,
    EmployerRead,
    EmployerUpdate,
    LecturerRead,
    LecturerUpdate,
    Me,
    SecretIssued,
    UserCreate,
    UserRead,
)
from app.audit import service as audit
from app.db import RowId
from app.deps import SessionDep
from app.http import csrf
from app.http.language import request_language

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", dependencies=[READS_RECORDS], response_model=Me)
def me(request: Request, principal: PrincipalDep) -> dict[str, Any]:
    """Who is calling, and the CSRF token a browser script sends in X-CSRF-Token."""
    token = None if principal.via_token else csrf.issue_token(request)[1]
    return {
        "user_id": principal.user_id,
        "role": principal.role,
        "cooperative_id": principal.cooperative_id,
        "display_name": principal.display_name,
        "csrf_token": token,
    }


@router.get("/cooperatives", dependencies=[READS_RECORDS], response_model=list[CooperativeRead])
def list_cooperatives(session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return service.list_cooperatives(session, principal)


@router.post("/cooperatives", response_model=CooperativeRead, status_code=201)
def create_cooperative(session: SessionDep, principal: AdminDep, body: CooperativeCreate) -> Any:
    return service.create_cooperative(session, principal, **body.model_dump())


@router.get(
    "/cooperatives/{cooperative_id}", dependencies=[READS_RECORDS], response_model=CooperativeRead
)
def get_cooperative(
    session: SessionDep, principal: CooperativeAccessDep, cooperative_id: RowId
) -> Any:
    return service.get_cooperative(session, principal, cooperative_id)


@router.put("/cooperatives/{cooperative_id}", response_model=CooperativeRead)
def update_cooperative(
    session: SessionDep,
    principal: CooperativeAccessDep,
    cooperative_id: RowId,
    body: CooperativeUpdate,
) -> Any:
    return service.update_cooperative(session, principal, cooperative_id, **body.model_dump())


@router.get("/employers", dependencies=[READS_RECORDS], response_model=list[EmployerRead])
def list_employers(session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return service.list_employers(session, principal)


@router.post(
    "/employers", dependencies=[MANAGES_COHORTS], response_model=EmployerRead, status_code=201
)
def create_employer(
    session: SessionDep, principal: CooperativeAccessDep, body: EmployerCreate
) -> Any:
    return service.create_employer(session, principal, **body.model_dump())


@router.get("/employers/{employer_id}", dependencies=[READS_RECORDS], response_model=EmployerRead)
def get_employer(session: SessionDep, principal: CooperativeAccessDep, employer_id: RowId) -> Any:
    return service.get_employer(session, principal, employer_id)


@router.put("/employers/{employer_id}", dependencies=[MANAGES_COHORTS], response_model=EmployerRead)
def update_employer(
    session: SessionDep, principal: CooperativeAccessDep, employer_id: RowId, body: EmployerUpdate
) -> Any:
    return service.update_employer(session, principal, employer_id, **body.model_dump())


@router.get("/users", response_model=list[UserRead])
def list_users(session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return service.list_users(session, principal)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(session: SessionDep, principal: CooperativeAccessDep, body: UserCreate) -> Any:
    return service.create_user(session, principal, **body.model_dump())


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, principal: CooperativeAccessDep, user_id: RowId) -> Any:
    return service.get_user(session, principal, user_id)


@router.post("/users/{user_id}/reset", response_model=SecretIssued)
def reset_user(session: SessionDep, principal: CooperativeAccessDep, user_id: RowId) -> Any:
    """Give the user a new password (a trainee: a new PIN); shown once, sessions end."""
    user, secret = service.reset_secret(session, principal, user_id)
    return {"user_id": user.id, "secret": secret}


def _lecturer_read(found: lecturers.LecturerHistory) -> dict[str, Any]:
    return {
        **asdict(found.current),
        "earlier": [asdict(version) for version in found.earlier],
    }


@router.get("/lecturers/{lecturer_id}", response_model=LecturerRead)
def get_lecturer(session: SessionDep, principal: AdminDep, lecturer_id: RowId) -> Any:
    """A lecturer's profile and its earlier versions, each with the day it took effect."""
    return _lecturer_read(lecturers.history(session, principal, lecturer_id))


@router.put("/lecturers/{lecturer_id}", response_model=LecturerRead)
def update_lecturer(
    session: SessionDep, principal: AdminDep, lecturer_id: RowId, body: LecturerUpdate
) -> Any:
    """Change a lecturer's profile from ``valid_from`` on; the days before keep the version
    that held then (records and the independence check read the lecture's date)."""
    fields = body.model_dump()
    if body.affiliations is None:
        fields.pop("affiliations")
    return _lecturer_read(lecturers.update_profile(session, principal, lecturer_id, **fields))


@router.get("/api-tokens", response_model=list[ApiTokenRead])
def list_tokens(session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return service.list_api_tokens(session, principal)


@router.post("/api-tokens", response_model=ApiTokenIssued, status_code=201)
def create_token(session: SessionDep, principal: CooperativeAccessDep, body: ApiTokenCreate) -> Any:
    issued = service.create_api_token(
        session, principal, name=body.name, cooperative_id=body.cooperative_id
    )
    return {**ApiTokenRead.model_validate(issued.token).model_dump(), "token": issued.secret}


@router.delete("/api-tokens/{token_id}", response_model=ApiTokenRead)
def revoke_token(session: SessionDep, principal: CooperativeAccessDep, token_id: RowId) -> Any:
    return service.revoke_api_token(session, principal, token_id)


@router.get("/audit", response_model=list[AuditRead])
def audit_log(request: Request, session: SessionDep, principal: CooperativeAccessDep) -> Any:
    """The newest changes in the caller's cooperative (admins: all), each summary also in
    the caller's language (``text``)."""
    language = request_language(request)
    return [
        AuditRead.model_validate(entry).model_copy(
            update={"text": audit.summary_text(entry, language)}
        )
        for entry in audit.entries(session, principal)
    ]
