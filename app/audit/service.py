"""Write and read the audit log. Services call ``record`` in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal, owned
from app.audit.models import AuditEntry

# Fields whose values never enter the log, whatever a caller passes.
_SECRET_FIELDS = {"password", "pin", "secret_hash", "token", "token_hash"}


def record(
    session: Session,
    actor: Principal | None,
    *,
    action: str,
    entity: str,
    entity_id: object = "",
    cooperative_id: int | None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    """Log one change; values of secret fields are replaced by a marker."""
    clean = {
        key: ("(changed)" if key in _SECRET_FIELDS else value)
        for key, value in (changes or {}).items()
    }
    session.add(
        AuditEntry(
            cooperative_id=cooperative_id,
            actor_id=actor.user_id if actor else None,
            actor_name=(actor.display_name if actor else "system")[:200],
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            summary=summary[:300],
            changes=clean,
        )
    )


def apply_changes(row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Set the given (non-None) fields on a row; return {field: [old, new]} for those changed."""
    changes = {}
    for key, value in fields.items():
        if value is not None and getattr(row, key) != value:
            changes[key] = [str(getattr(row, key)), str(value)]
            setattr(row, key, value)
    return changes


def update(
    session: Session,
    actor: Principal,
    row: Any,
    fields: dict[str, Any],
    *,
    entity: str,
    cooperative_id: int | None,
    summary_field: str,
) -> dict[str, Any]:
    """Apply changed fields to a row and log them in one step; return what changed.

    The summary is the row's ``summary_field`` after the change (a renamed cohort is logged
    under its new name).
    """
    changes = apply_changes(row, fields)
    record(
        session,
        actor,
        action="update",
        entity=entity,
        entity_id=row.id,
        cooperative_id=cooperative_id,
        summary=str(getattr(row, summary_field)),
        changes=changes,
    )
    return changes


def visible_entries(principal: Principal) -> Select[tuple[AuditEntry]]:
    """The entries the caller may see, newest first: their cooperative's (admins: everything)."""
    query = owned(principal, AuditEntry) if not principal.is_admin else select(AuditEntry)
    return query.order_by(AuditEntry.id.desc())


def entries(session: Session, principal: Principal, *, limit: int = 200) -> list[AuditEntry]:
    """The newest entries the caller may see."""
    return list(session.scalars(visible_entries(principal).limit(limit)))
