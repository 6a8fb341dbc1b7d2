"""Cooperatives, employers, users, login sessions, rate limits and API tokens.

Services flush, never commit, with one exception: login attempts are counted in their own
short transactions (app.accounts.limits), because the request's transaction is rolled back
when the login fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.accounts import access, lecturers, limits, names, security
from app.accounts.access import Capability
from app.accounts.errors import (
    AlreadyExists,
    BadCredentials,
    BadPin,
    CooperativeNotFound,
    EmployerNotFound,
    Forbidden,
    TokenNotFound,
    TooManyAttempts,
    UserNotFound,
    WeakPassword,
)
from app.accounts.models import (
    QUALIFICATIONS,
    ApiToken,
    Cooperative,
    Employer,
    LecturerProfile,
    LoginSession,
    User,
)
from app.accounts.tenancy import Principal, get_owned, owned, target_cooperative
from app.audit import service as audit
from app.db import utcnow
from app.errors import InvalidInput
from app.i18n import N_

FAILURE_WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 30
STAFF_SESSION = timedelta(hours=12)
TRAINEE_SESSION = timedelta(days=14)
API_TOKEN_PREFIX = "ksh"
NEW_USER = {
    "admin": N_("New administrator: {email}"),
    "lecturer": N_("New lecturer: {email}"),
    "staff": N_("New staff member: {email}"),
}


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        role=user.role,
        cooperative_id=user.cooperative_id,
        display_name=user.display_name,
        ui_language=user.ui_language,
    )


# --- cooperatives and employers --------------------------------------------------------


def create_cooperative(session: Session, actor: Principal, **fields: Any) -> Cooperative:
    """Create a tenant (admins only); the licence number must be unique."""
    actor.require("admin")
    if session.scalar(
        select(Cooperative.id).where(Cooperative.licence_number == fields["licence_number"])
    ):
        raise AlreadyExists(what=f"licence number {fields['licence_number']}")
    cooperative = Cooperative(**fields)
    session.add(cooperative)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        entity="cooperative",
        entity_id=cooperative.id,
        cooperative_id=cooperative.id,
        summary=cooperative.name,
        changes=fields,
    )
    return cooperative


def list_cooperatives(session: Session, principal: Principal) -> list[Cooperative]:
    principal.require_cooperative_access()
    query = select(Cooperative).order_by(Cooperative.name)
    if not principal.is_admin:
        query = query.where(Cooperative.id == principal.cooperative_id)
    return list(session.scalars(query))


def get_cooperative(session: Session, principal: Principal, cooperative_id: int) -> Cooperative:
    principal.require_cooperative_access()
    cooperative = session.get(Cooperative, cooperative_id)
    if cooperative is None or not principal.can_see(cooperative.id):
        raise CooperativeNotFound()
    return cooperative


def update_cooperative(
    session: Session, principal: Principal, cooperative_id: int, **fields: Any
) -> Cooperative:
    cooperative = get_cooperative(session, principal, cooperative_id)
    audit.update(
        session,
        principal,
        cooperative,
        fields,
        entity="cooperative",
        cooperative_id=cooperative.id,
        summary_field="name",
    )
    return cooperative


def create_employer(
    session: Session,
    principal: Principal,
    *,
    cooperative_id: int | None,
    name: str,
    address: str = "",
) -> Employer:
    """Add an implementing organisation; refused when the cooperative has one whose name is
    the same once normalised (株式会社 桃太郎精工 and ㈱桃太郎精工 are one company)."""
    owner = target_cooperative(principal, cooperative_id)
    get_cooperative(session, principal, owner)
    _check_employer_name(session, owner, name)
    employer = Employer(cooperative_id=owner, name=name, address=address)
    session.add(employer)
    session.flush()
    audit.record(
        session,
        principal,
        action="create",
        entity="employer",
        entity_id=employer.id,
        cooperative_id=owner,
        summary=name,
    )
    return employer


def _check_employer_name(
    session: Session, cooperative_id: int, name: str, *, other_than: int | None = None
) -> None:
    same = [
        m.item
        for m in employer_matches(session, cooperative_id, name)
        if m.exact and m.item.id != other_than
    ]
    if same:
        raise AlreadyExists(what=same[0].name)


def employers_of(session: Session, cooperative_id: int) -> list[Employer]:
    """A cooperative's employers, oldest first (the caller has checked the cooperative)."""
    return list(
        session.scalars(
            select(Employer).where(Employer.cooperative_id == cooperative_id).order_by(Employer.id)
        )
    )


def employer_matches(
    session: Session, cooperative_id: int, name: str
) -> list[names.Match[Employer]]:
    """The cooperative's employers with this name once normalised, or else those it is
    probably a typo of (see app.accounts.names)."""
    return names.match(name, [(e.name, e) for e in employers_of(session, cooperative_id)])


def update_employer(
    session: Session, principal: Principal, employer_id: int, **fields: Any
) -> Employer:
    """Rename an employer or change its address (audited)."""
    access.require(principal, Capability.MANAGE_COHORTS)
    employer = get_employer(session, principal, employer_id)
    if fields.get("name"):
        _check_employer_name(
            session, employer.cooperative_id, fields["name"], other_than=employer.id
        )
    audit.update(
        session,
        principal,
        employer,
        fields,
        entity="employer",
        cooperative_id=employer.cooperative_id,
        summary_field="name",
    )
    return employer


def list_employers(session: Session, principal: Principal) -> list[Employer]:
    return list(session.scalars(owned(principal, Employer).order_by(Employer.name)))


def cooperative_with_employers(
    session: Session, principal: Principal, cooperative_id: int
) -> tuple[Cooperative, list[Employer]]:
    """A cooperative the caller may see and its employers by name (read-only)."""
    cooperative = get_cooperative(session, principal, cooperative_id)
    employers = session.scalars(
        select(Employer).where(Employer.cooperative_id == cooperative.id).order_by(Employer.name)
    )
    return cooperative, list(employers)


def get_employer(session: Session, principal: Principal, employer_id: int) -> Employer:
    return get_owned(session, principal, Employer, employer_id, EmployerNotFound)


# --- users -----------------------------------------------------------------------------


def _check_password(password: str) -> None:
    if len(password) < security.MIN_PASSWORD_LENGTH:
        raise WeakPassword(length=security.MIN_PASSWORD_LENGTH)


def create_user(
    session: Session,
    actor: Principal | None,
    *,
    role: str,
    email: str,
    display_name: str,
    password: str,
    cooperative_id: int | None = None,
    qualification: str | None = None,
    registration_number: str = "",
    affiliations: list[dict[str, Any]] | None = None,
) -> User:
    """Create a staff member, lecturer or admin. Staff may add staff to their own cooperative;
    only admins create lecturers and admins. ``actor`` None is the operator's command line."""
    email = email.strip().lower()
    if role not in ("admin", "lecturer", "staff"):
        raise InvalidInput(N_("Unknown role {role}."), role=role)
    if actor is not None:
        access.require(actor, Capability.MANAGE_USERS)
        if role == "staff":
            cooperative_id = target_cooperative(actor, cooperative_id)
        else:
            actor.require("admin")
    if role == "staff":
        if cooperative_id is None or session.get(Cooperative, cooperative_id) is None:
            raise CooperativeNotFound()
    else:
        cooperative_id = None
    if role == "lecturer" and qualification not in QUALIFICATIONS:
        raise InvalidInput(
            N_("A lecturer needs a qualification: {choices}."), choices=", ".join(QUALIFICATIONS)
        )
    linked = (
        lecturers.resolve_affiliations(session, affiliations or []) if role == "lecturer" else []
    )
    _check_password(password)
    if session.scalar(select(User.id).where(User.email == email)):
        raise AlreadyExists(what=email)
    user = User(
        role=role,
        email=email,
        display_name=display_name,
        cooperative_id=cooperative_id,
        secret_hash=security.hash_secret(password),
        secret_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    if role == "lecturer":
        session.add(
            LecturerProfile(
                user_id=user.id,
                qualification=qualification or "other",
                registration_number=registration_number,
                affiliations=linked,
            )
        )
    audit.record(
        session,
        actor,
        action="create",
        entity="user",
        entity_id=user.id,
        cooperative_id=cooperative_id,
        summary=NEW_USER[role],
        params={"email": email},
        changes={"role": role, "email": email, "password": password}
        | ({"affiliations": linked} if linked else {}),
    )
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail address (the operator's command line only)."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def list_users(session: Session, principal: Principal) -> list[User]:
    """Staff, lecturers and admins the caller may manage (trainees are listed per cohort)."""
    query = select(User).where(User.role != "trainee").order_by(User.role, User.display_name)
    if not principal.is_admin:
        query = owned(principal, User).where(User.role == "staff").order_by(User.display_name)
    return list(session.scalars(query))


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user the caller may manage: admins any; staff those of their own cooperative."""
    principal.require_cooperative_access()
    user = session.get(User, user_id)
    if user is None or not (
        principal.is_admin
        or (user.cooperative_id is not None and principal.can_see(user.cooperative_id))
    ):
        raise UserNotFound()
    return user


def end_sessions(session: Session, user_id: int) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def reset_secret(session: Session, actor: Principal, user_id: int) -> tuple[User, str]:
    """Give a user a new random password (PIN for a trainee); their sessions end. Returns it once."""
    access.require(actor, Capability.ISSUE_SECRETS)
    user = get_user(session, actor, user_id)
    if user.role == "admin" and not actor.is_admin:
        raise Forbidden()
    secret = security.new_pin() if user.role == "trainee" else security.new_password()
    user.secret_hash = security.hash_secret(secret)
    user.secret_changed_at = utcnow()
    end_sessions(session, user.id)
    audit.record(
        session,
        actor,
        action="reset",
        entity="user",
        entity_id=user.id,
        cooperative_id=user.cooperative_id,
        summary=user.display_name,
        changes={"pin" if user.role == "trainee" else "password": secret},
    )
    return user, secret


def change_password(session: Session, principal: Principal, current: str, new: str) -> None:
    """The signed-in user replaces their own password; other sessions end."""
    # An API token acts for a cooperative, not for a user: it has no password to change.
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    if (
        user is None
        or user.role == "trainee"
        or not security.verify_secret(current, user.secret_hash)
    ):
        raise BadCredentials()
    _check_password(new)
    user.secret_hash = security.hash_secret(new)
    user.secret_changed_at = utcnow()
    end_sessions(session, user.id)
    audit.record(
        session,
        principal,
        action="update",
        entity="user",
        entity_id=user.id,
        cooperative_id=user.cooperative_id,
        summary=N_("Password changed"),
        changes={"password": new},
    )


# --- login -----------------------------------------------------------------------------


def _attempt(
    session: Session, account_key: str, address_key: str, verify: Callable[[], User | None]
) -> User | None:
    """Run verify() as one counted attempt; TooManyAttempts when a limit is already used up.

    The attempt takes its place in both counters before the secret is checked, so parallel
    attempts cannot overtake the limit; a successful one gives its places back.
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    allowed = [(account_key, MAX_ACCOUNT_FAILURES), (address_key, MAX_ADDRESS_FAILURES)]
    if not limits.reserve(engine, allowed, FAILURE_WINDOW):
        raise TooManyAttempts(minutes=int(FAILURE_WINDOW.total_seconds() // 60))
    keys = [account_key, address_key]
    try:
        user = verify()
    except BaseException:
        limits.given_back(engine, keys)
        raise
    if user is None:
        # End this request's transaction: it is rolled back anyway, and holding its locks
        # while another connection writes could deadlock with a migration queued in between.
        session.rollback()
        limits.failed(engine, keys, FAILURE_WINDOW)
        return None
    limits.succeeded(session, account_key=account_key, address_key=address_key)
    return user


def _verified(user: User | None, secret: str) -> User | None:
    hashed = user.secret_hash if user is not None and user.active else None
    return user if security.verify_secret(secret, hashed) else None


def login_with_password(session: Session, *, email: str, password: str, address: str) -> User:
    """Return the staff, lecturer or admin with these credentials; rate-limited per account and
    per address."""
    email = email.strip().lower()

    def verify() -> User | None:
        user = session.scalar(select(User).where(User.email == email, User.role != "trainee"))
        return _verified(user, password)

    user = _attempt(session, f"email:{email}", f"ip:{address}", verify)
    if user is None:
        raise BadCredentials()
    return user


def login_with_pin(session: Session, *, login_code: str, pin: str, address: str) -> User:
    code = login_code.strip().upper().replace("-", "").replace(" ", "")

    def verify() -> User | None:
        user = session.scalar(select(User).where(User.login_code == code, User.role == "trainee"))
        return _verified(user, pin.strip())

    user = _attempt(session, f"code:{code}", f"ip:{address}", verify)
    if user is None:
        raise BadPin()
    return user


def start_session(session: Session, user: User) -> str:
    """Open a login session and return its token (for the signed cookie; stored hashed)."""
    token = security.new_token("s")
    lifetime = TRAINEE_SESSION if user.role == "trainee" else STAFF_SESSION
    session.add(
        LoginSession(
            token_hash=security.token_hash(token), user_id=user.id, expires_at=utcnow() + lifetime
        )
    )
    session.flush()
    return token


def user_for_session(session: Session, token: str) -> User | None:
    """The active user of a live session, or None when it ended, expired or never existed."""
    row = session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == security.token_hash(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(),
        )
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, token: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == security.token_hash(token))
        .values(revoked_at=utcnow())
    )


# --- API tokens ------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


def create_api_token(
    session: Session, principal: Principal, *, name: str, cooperative_id: int | None = None
) -> IssuedToken:
    """Issue a token for a cooperative's integrations (not by another token)."""
    access.require(principal, Capability.MANAGE_TOKENS)
    owner = target_cooperative(principal, cooperative_id)
    get_cooperative(session, principal, owner)
    secret = security.new_token(API_TOKEN_PREFIX)
    token = ApiToken(
        cooperative_id=owner,
        name=name,
        prefix=secret[:10],
        token_hash=security.token_hash(secret),
        created_by_id=principal.user_id,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        principal,
        action="create",
        entity="api_token",
        entity_id=token.id,
        cooperative_id=owner,
        summary=name,
    )
    return IssuedToken(token, secret)


def list_api_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    return list(session.scalars(owned(principal, ApiToken).order_by(ApiToken.id.desc())))


def revoke_api_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    access.require(principal, Capability.MANAGE_TOKENS)
    token = get_owned(session, principal, ApiToken, token_id, TokenNotFound)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            principal,
            action="delete",
            entity="api_token",
            entity_id=token.id,
            cooperative_id=token.cooperative_id,
            summary=token.name,
        )
    return token


def principal_for_api_token(session: Session, secret: str) -> Principal | None:
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == security.token_hash(secret), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    token.last_used_at = utcnow()
    cooperative = session.get(Cooperative, token.cooperative_id)
    return Principal(
        user_id=None,
        role="staff",
        cooperative_id=token.cooperative_id,
        display_name=f"API token {token.name} ({cooperative.name if cooperative else ''})",
        via_token=True,
    )


def cooperative_by_licence(session: Session, licence_number: str) -> Cooperative | None:
    return session.scalar(select(Cooperative).where(Cooperative.licence_number == licence_number))
