"""Pages for running Koshu: cooperatives and employers, users, API tokens, the audit log.

Admins see and manage every cooperative; staff only their own (the services decide that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app.accounts import lecturers, service
from app.accounts.dependencies import CooperativeAccessDep, require_roles
from app.accounts.models import QUALIFICATIONS
from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.audit.models import AuditEntry
from app.db import RowId
from app.deps import SessionDep
from app.errors import DomainError
from app.http import csrf
from app.http.rendering import render, ui_language
from app.web import paging

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_roles("admin", "staff"))])

CsrfField = Annotated[str, Form()]
Text = Annotated[str, Form(max_length=500)]
# Japan keeps one offset all year; the audit log and token times are read there.
JAPAN = timezone(timedelta(hours=9), "JST")


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M") if moment else ""


def _failed(request: Request, session: Session, failure: DomainError) -> str:
    """Undo what the failed call may have flushed (the request would commit it) and say why."""
    session.rollback()
    return failure.text(ui_language(request))


# --- cooperatives and employers --------------------------------------------------------


def _cooperatives_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "cooperatives.html",
        status_code=status_code,
        cooperatives=service.list_cooperatives(session, principal),
        form=form or {},
        error=error,
    )


@router.get("/cooperatives", response_class=HTMLResponse)
def cooperatives_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep
) -> Any:
    return _cooperatives_page(request, session, principal)


@router.post("/cooperatives", response_class=HTMLResponse)
def create_cooperative_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    licence_number: Annotated[str, Form(min_length=1, max_length=50)],
    csrf_token: CsrfField = "",
    address: Text = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_phone: Annotated[str, Form(max_length=50)] = "",
    contact_email: Annotated[str, Form(max_length=254)] = "",
) -> Any:
    csrf.verify(request, csrf_token)
    fields = {
        "name": name.strip(),
        "licence_number": licence_number.strip(),
        "address": address.strip(),
        "contact_name": contact_name.strip(),
        "contact_phone": contact_phone.strip(),
        "contact_email": contact_email.strip(),
    }
    try:
        cooperative = service.create_cooperative(session, principal, **fields)
    except DomainError as failure:
        return _cooperatives_page(
            request,
            session,
            principal,
            form=fields,
            error=_failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/cooperatives/{cooperative.id}?saved=1", status_code=303)


def _cooperative_page(
    request: Request,
    session: Session,
    principal: Principal,
    cooperative_id: RowId,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cooperative, employers = service.cooperative_with_employers(session, principal, cooperative_id)
    return render(
        request,
        "cooperative.html",
        status_code=status_code,
        cooperative=cooperative,
        employers=employers,
        error=error,
    )


@router.get("/cooperatives/{cooperative_id}", response_class=HTMLResponse)
def cooperative_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, cooperative_id: RowId
) -> Any:
    return _cooperative_page(request, session, principal, cooperative_id)


@router.post("/cooperatives/{cooperative_id}", response_class=HTMLResponse)
def update_cooperative_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cooperative_id: RowId,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: CsrfField = "",
    address: Text = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_phone: Annotated[str, Form(max_length=50)] = "",
    contact_email: Annotated[str, Form(max_length=254)] = "",
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        service.update_cooperative(
            session,
            principal,
            cooperative_id,
            name=name.strip(),
            address=address.strip(),
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            contact_email=contact_email.strip(),
        )
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _cooperative_page(
            request,
            session,
            principal,
            cooperative_id,
            error=error,
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/cooperatives/{cooperative_id}?saved=1", status_code=303)


@router.post("/cooperatives/{cooperative_id}/employers", response_class=HTMLResponse)
def create_employer_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    cooperative_id: RowId,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: CsrfField = "",
    address: Text = "",
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        service.create_employer(
            session,
            principal,
            cooperative_id=cooperative_id,
            name=name.strip(),
            address=address.strip(),
        )
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _cooperative_page(
            request,
            session,
            principal,
            cooperative_id,
            error=error,
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/cooperatives/{cooperative_id}?saved=1#employers", status_code=303)


# --- users and lecturers ---------------------------------------------------------------

# One row of the affiliation table per list index; a row without organisation or name is
# left out. ``aff_org`` is "cooperative:<id>", "employer:<id>" or "" (typed by name).
AffiliationColumn = Annotated[list[str], Form()]
BLANK_AFFILIATION_ROWS = 2


@dataclass
class AffiliationRows:
    org: list[str]
    name: list[str]
    role: list[str]
    since: list[str]
    until: list[str]
    outside: bool

    def items(self) -> list[dict[str, Any]]:
        """The rows as affiliations for app.accounts.lecturers (which checks and links them)."""
        items = []
        for index, org in enumerate(self.org):
            kind, _, number = org.partition(":")
            item: dict[str, Any] = {
                "name": _at(self.name, index)[:200],
                "role": _at(self.role, index)[:100],
                "since": _at(self.since, index) or None,
                "until": _at(self.until, index) or None,
                "outside": self.outside,
            }
            if kind in ("cooperative", "employer") and number.isdigit():
                item[f"{kind}_id"] = int(number)
            elif not item["name"]:
                continue
            items.append(item)
        return items

    def form_rows(self) -> list[dict[str, Any]]:
        """The rows as typed, to show the form again after an error."""
        return [
            {
                "org": org,
                "name": _at(self.name, i),
                "role": _at(self.role, i),
                "since": _at(self.since, i),
                "until": _at(self.until, i),
            }
            for i, org in enumerate(self.org)
        ]


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


def affiliation_rows(
    aff_org: AffiliationColumn = [],  # noqa: B006 (FastAPI copies defaults)
    aff_name: AffiliationColumn = [],  # noqa: B006
    aff_role: AffiliationColumn = [],  # noqa: B006
    aff_since: AffiliationColumn = [],  # noqa: B006
    aff_until: AffiliationColumn = [],  # noqa: B006
    aff_outside: Annotated[bool, Form()] = False,
) -> AffiliationRows:
    return AffiliationRows(aff_org, aff_name, aff_role, aff_since, aff_until, aff_outside)


AffiliationForm = Annotated[AffiliationRows, Depends(affiliation_rows)]


def stored_rows(affiliations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored affiliations as form rows, plus blank rows to add more."""
    rows = [
        {
            "org": f"cooperative:{a['cooperative_id']}"
            if a.get("cooperative_id")
            else (f"employer:{a['employer_id']}" if a.get("employer_id") else ""),
            "name": "" if a.get("cooperative_id") or a.get("employer_id") else a.get("name", ""),
            "role": a.get("role") or "",
            "since": a.get("since") or "",
            "until": a.get("until") or "",
        }
        for a in affiliations
    ]
    return rows + [{} for _ in range(BLANK_AFFILIATION_ROWS)]


def _users_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cooperatives = service.list_cooperatives(session, principal)
    return render(
        request,
        "users.html",
        status_code=status_code,
        users=service.list_users(session, principal),
        cooperatives=cooperatives,
        cooperative_names={c.id: c.name for c in cooperatives},
        qualifications=QUALIFICATIONS,
        organisations=lecturers.organisations(session) if principal.is_admin else [],
        form=form or {"role": "staff", "affiliation_rows": stored_rows([])},
        error=error,
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return _users_page(request, session, principal)


@router.post("/users", response_class=HTMLResponse)
def create_user_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    email: Annotated[str, Form(min_length=3, max_length=254)],
    display_name: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
    rows: AffiliationForm,
    csrf_token: CsrfField = "",
    role: Annotated[str, Form(max_length=16)] = "staff",
    cooperative_id: Annotated[RowId | None, Form()] = None,
    qualification: Annotated[str | None, Form(max_length=40)] = None,
    registration_number: Annotated[str, Form(max_length=50)] = "",
    affiliations: Annotated[str, Form(max_length=4000)] = "",
) -> Any:
    """Staff add staff to their own cooperative; admins add staff anywhere, lecturers, admins.

    A lecturer's affiliations come as rows (an organisation in Koshu, or a name, with role and
    dates); ``affiliations`` (names, one per line) is still read from older forms."""
    csrf.verify(request, csrf_token)
    names = [
        {"name": line.strip()[:200], "outside": rows.outside}
        for line in affiliations.splitlines()
        if line.strip()
    ]
    try:
        service.create_user(
            session,
            principal,
            role=role,
            email=email,
            display_name=display_name.strip(),
            password=password,
            cooperative_id=cooperative_id,
            qualification=qualification if role == "lecturer" else None,
            registration_number=registration_number.strip() if role == "lecturer" else "",
            affiliations=names + rows.items() if role == "lecturer" else [],
        )
    except DomainError as failure:
        form = {
            "role": role,
            "email": email,
            "display_name": display_name,
            "cooperative_id": cooperative_id,
            "qualification": qualification,
            "registration_number": registration_number,
            "affiliations": affiliations,
            "affiliation_rows": rows.form_rows() or stored_rows([]),
            "aff_outside": rows.outside,
        }
        return _users_page(
            request,
            session,
            principal,
            form=form,
            error=_failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse("/users?saved=1", status_code=303)


@router.post("/users/{user_id}/reset", response_class=HTMLResponse)
def reset_password_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    user_id: RowId,
    csrf_token: CsrfField = "",
) -> Any:
    """A new temporary password, shown on this page once (only its hash is kept)."""
    csrf.verify(request, csrf_token)
    user, secret = service.reset_secret(session, principal, user_id)
    return render(request, "password_reset.html", user=user, secret=secret)


def _lecturer_page(
    request: Request,
    session: Session,
    principal: Principal,
    user_id: int,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = lecturers.history(session, principal, user_id)
    organisations = lecturers.organisations(session)
    return render(
        request,
        "lecturer.html",
        status_code=status_code,
        lecturer=found,
        organisations=organisations,
        organisation_names={o.value: o.name for o in organisations},
        qualifications=QUALIFICATIONS,
        form=form
        or {
            "display_name": found.current.display_name,
            "qualification": found.current.qualification,
            "registration_number": found.current.registration_number,
            "affiliation_rows": stored_rows(found.current.affiliations),
            "valid_from": lecturers.today_in_japan().isoformat(),
        },
        error=error,
    )


@router.get("/lecturers/{lecturer_id}", response_class=HTMLResponse)
def lecturer_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, lecturer_id: RowId
) -> Any:
    """A lecturer's profile, its earlier versions, and the form to change it (admins)."""
    return _lecturer_page(request, session, principal, lecturer_id)


@router.post("/lecturers/{lecturer_id}", response_class=HTMLResponse)
def update_lecturer_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    lecturer_id: RowId,
    display_name: Annotated[str, Form(min_length=1, max_length=200)],
    rows: AffiliationForm,
    csrf_token: CsrfField = "",
    qualification: Annotated[str, Form(max_length=40)] = "",
    registration_number: Annotated[str, Form(max_length=50)] = "",
    valid_from: Annotated[date | None, Form()] = None,
) -> Any:
    csrf.verify(request, csrf_token)
    try:
        lecturers.update_profile(
            session,
            principal,
            lecturer_id,
            valid_from=valid_from,
            display_name=display_name.strip(),
            qualification=qualification or None,
            registration_number=registration_number.strip(),
            affiliations=rows.items(),
        )
    except DomainError as failure:
        form = {
            "display_name": display_name,
            "qualification": qualification,
            "registration_number": registration_number,
            "affiliation_rows": [*rows.form_rows(), {}],
            "aff_outside": rows.outside,
            "valid_from": valid_from.isoformat() if valid_from else "",
        }
        return _lecturer_page(
            request,
            session,
            principal,
            lecturer_id,
            form=form,
            error=_failed(request, session, failure),
            status_code=failure.status_code,
        )
    return RedirectResponse(f"/lecturers/{lecturer_id}?saved=1", status_code=303)


# --- API tokens ------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    issued: service.IssuedToken | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cooperatives = service.list_cooperatives(session, principal)
    return render(
        request,
        "tokens.html",
        status_code=status_code,
        tokens=service.list_api_tokens(session, principal),
        cooperatives=cooperatives,
        cooperative_names={c.id: c.name for c in cooperatives},
        issued=issued,
        local_time=local_time,
        error=error,
    )


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, principal: CooperativeAccessDep) -> Any:
    return _tokens_page(request, session, principal)


@router.post("/tokens", response_class=HTMLResponse)
def create_token_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    csrf_token: CsrfField = "",
    cooperative_id: Annotated[RowId | None, Form()] = None,
) -> Any:
    """Issue a token and show it once on the answer to this post (it cannot be shown again)."""
    csrf.verify(request, csrf_token)
    try:
        issued = service.create_api_token(
            session, principal, name=name.strip(), cooperative_id=cooperative_id
        )
    except DomainError as failure:
        error = _failed(request, session, failure)
        return _tokens_page(
            request, session, principal, error=error, status_code=failure.status_code
        )
    return _tokens_page(request, session, principal, issued=issued)


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_form(
    request: Request,
    session: SessionDep,
    principal: CooperativeAccessDep,
    token_id: RowId,
    csrf_token: CsrfField = "",
) -> Any:
    csrf.verify(request, csrf_token)
    service.revoke_api_token(session, principal, token_id)
    return RedirectResponse("/tokens?revoked=1", status_code=303)


# --- audit log -------------------------------------------------------------------------


# The columns the audit log may be sorted by (no other key reaches the query).
AUDIT_ORDER = {
    "time": AuditEntry.created_at,
    "who": AuditEntry.actor_name,
    "action": AuditEntry.action,
    "entity": AuditEntry.entity,
}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: SessionDep, principal: CooperativeAccessDep, q: str = ""
) -> Any:
    """The changes the caller may see, newest first, a page at a time: their cooperative's
    (admins: all); ``q`` finds words in who, what and the summary."""
    q = paging.query_text(q)
    columns = (AuditEntry.actor_name, AuditEntry.action, AuditEntry.entity, AuditEntry.summary)
    order = paging.sorting(request, AUDIT_ORDER, "time", descending=True)
    statement = paging.sort_query(
        paging.search(audit.visible_entries(principal), q, columns),
        order,
        AUDIT_ORDER,
        tie=AuditEntry.id,
    )
    paged = paging.paginate_query(request, session, statement, q)
    language = ui_language(request)
    return render(
        request,
        "audit.html",
        paged=paged,
        entries=paged.items,
        q=q,
        order=order,
        local_time=local_time,
        summary=lambda entry: audit.summary_text(entry, language),
    )
