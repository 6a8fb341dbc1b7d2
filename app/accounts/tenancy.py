"""Tenant isolation in one place: who is asking, and which cooperative's rows they may reach.

Every query for cooperative-owned rows goes through ``owned`` or ``get_owned``. An admin (the
NPO) sees every cooperative; staff and API tokens see only their own; anyone else sees none.
A row of another cooperative is reported as not found, never as forbidden, so ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session

from app.accounts.errors import Forbidden
from app.errors import NotFound

Model = TypeVar("Model")


@dataclass(frozen=True)
class Principal:
    """The caller: a signed-in user, or a cooperative's API token (acting as its staff)."""

    user_id: int | None
    role: str  # admin lecturer staff trainee
    cooperative_id: int | None
    display_name: str
    ui_language: str = "ja"
    via_token: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require(self, *roles: str) -> None:
        """Raise Forbidden unless the caller has one of the roles."""
        if self.role not in roles:
            raise Forbidden()

    def require_cooperative_access(self) -> None:
        """Cooperative data is for admins and that cooperative's staff (or its API tokens)."""
        self.require("admin", "staff")

    def can_see(self, cooperative_id: int | None) -> bool:
        return self.is_admin or (
            self.role == "staff"
            and cooperative_id is not None
            and cooperative_id == self.cooperative_id
        )


def visible(principal: Principal, model: Any) -> Any:
    """The WHERE clause limiting a cooperative-owned model to what the caller may see."""
    if principal.is_admin:
        return true()
    if principal.role == "staff" and principal.cooperative_id is not None:
        return model.cooperative_id == principal.cooperative_id
    return false()


def owned(principal: Principal, model: type[Model]) -> Select[tuple[Model]]:
    """``select(model)`` already limited to the caller's cooperative."""
    principal.require_cooperative_access()
    return select(model).where(visible(principal, model))


def get_owned(
    session: Session,
    principal: Principal,
    model: type[Model],
    row_id: int,
    not_found: type[NotFound] = NotFound,
) -> Model:
    """Return one cooperative-owned row the caller may see, else raise ``not_found``."""
    principal.require_cooperative_access()
    row = session.get(model, row_id)
    if row is None or not principal.can_see(row.cooperative_id):  # type: ignore[attr-defined]
        raise not_found()
    return row


def target_cooperative(principal: Principal, requested: int | None) -> int:
    """The cooperative a new row belongs to: staff always their own; admins must name one."""
    principal.require_cooperative_access()
    if principal.role == "staff":
        if requested is not None and requested != principal.cooperative_id:
            raise NotFound()
        assert principal.cooperative_id is not None
        return principal.cooperative_id
    if requested is None:
        raise Forbidden()
    return requested
