"""What an API token may do: capabilities, not roles alone.

A cooperative's API token acts as that cooperative's staff, but only for what an integration
needs. A leaked token must not become a web login or a way to mint more tokens, so it may
never create users, set or reset passwords, PINs or login cards, or manage tokens.

A route names the capability it needs with ``Capable(...)`` (``app.accounts.dependencies``);
a token is refused on every route that names none of ``API_TOKEN_CAPABILITIES``, so a new
route is closed to tokens until someone decides otherwise. Signed-in people are governed by
their role as before: the capabilities below that a token lacks are their role's to use.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.accounts.errors import Forbidden
from app.accounts.tenancy import Principal
from app.i18n import N_


class Capability(StrEnum):
    # What integrations do.
    READ_RECORDS = "read-records"  # courses, lectures, cohorts, trainees, compliance, exports
    MANAGE_COHORTS = "manage-cohorts"  # cohorts, trainees, employers, spreadsheet imports
    SCHEDULE_LECTURES = "schedule-lectures"
    # What only a signed-in person does.
    MANAGE_USERS = "manage-users"  # create staff, lecturers, admins
    ISSUE_SECRETS = "issue-secrets"  # reset passwords, new PINs and login cards
    MANAGE_TOKENS = "manage-tokens"  # issue and revoke API tokens


API_TOKEN_CAPABILITIES = frozenset(
    {Capability.READ_RECORDS, Capability.MANAGE_COHORTS, Capability.SCHEDULE_LECTURES}
)


class TokenNotAllowed(Forbidden):
    code = "token-not-allowed"
    message = N_("An API token may not do this; a signed-in person has to.")


def has(principal: Principal, capability: Capability) -> bool:
    """Whether the caller holds the capability (people: always; their role decides)."""
    return not principal.via_token or capability in API_TOKEN_CAPABILITIES


def require(principal: Principal, capability: Capability) -> None:
    """Raise TokenNotAllowed unless the caller holds the capability."""
    if not has(principal, capability):
        raise TokenNotAllowed()


def require_any(principal: Principal, declared: Iterable[Capability]) -> None:
    """A route is open to a token only if it declares a capability the token holds."""
    if principal.via_token and not any(has(principal, c) for c in declared):
        raise TokenNotAllowed()
