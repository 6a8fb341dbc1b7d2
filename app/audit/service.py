"""Write and read the audit log. Services call ``record`` in the same transaction as the change."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.accounts.tenancy import Principal, owned
from app.audit.models import AuditEntry
from app.i18n import N_, Message, gettext

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
    params: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Log one change; values of secret fields are replaced by a marker.

    A summary marked with N_() is kept as a message id with its ``params`` and shown in the
    reader's language (parameters named ``*_label`` are translated too); any other summary
    (a cohort's name) is shown as it is. The English text is stored too, for searching.
    """
    clean = {
        key: ("(changed)" if key in _SECRET_FIELDS else value)
        for key, value in (changes or {}).items()
    }
    message = summary if isinstance(summary, Message) else ""
    params = {key: str(value) for key, value in (params or {}).items()} if message else {}
    session.add(
        AuditEntry(
            cooperative_id=cooperative_id,
            actor_id=actor.user_id if actor else None,
            actor_name=(actor.display_name if actor else "system")[:200],
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            summary=(_translated("en", message, params) if message else summary)[:300],
            message=message,
            params=params,
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


def _translated(language: str, message: str, params: dict[str, Any]) -> str:
    labels = {
        key: gettext(language, value) if key.endswith("_label") else value
        for key, value in params.items()
    }
    try:
        return gettext(language, message, **labels)
    except (KeyError, IndexError, ValueError):  # a catalog that lost a placeholder
        return gettext("en", message, **params)


# Summaries written in English before they were stored as messages, and the message each is
# shown as now, so entries already in the log are read in the reader's language too.
_LEGACY_SUMMARIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), message)
    for pattern, message in (
        (r"^password changed$", N_("Password changed")),
        (r"^attendance sheet confirmed$", N_("Attendance sheet confirmed")),
        (
            r"^login cards printed for (?P<count>\d+) trainees$",
            N_("Login cards printed for {count} trainees"),
        ),
        (
            r"^(?P<cohort>.+): records purged after retention \((?P<count>\d+) trainees\)$",
            N_("{cohort}: records purged after retention ({count} trainees)"),
        ),
        (
            r"^lecture (?P<lecture>\d+) trainee (?P<trainee>\S+): gap (?P<status_label>[\w-]+)$",
            N_("Lecture {lecture}, trainee {trainee}: gap in presence {status_label}"),
        ),
        (
            r"^lecture (?P<lecture>\d+) trainee (?P<trainee>\S+): (?P<status_label>[\w-]+)$",
            N_("Lecture {lecture}, trainee {trainee}: {status_label}"),
        ),
        (
            r"^recorded afterwards \((?P<via_label>[\w-]+)\): (?P<count>\d+) blocks$",
            N_("Recorded afterwards ({via_label}): {count} blocks"),
        ),
        (
            r"^evidence added \((?P<kind_label>[\w-]+)\): (?P<file>.+)$",
            N_("Evidence added ({kind_label}): {file}"),
        ),
        (r"^meeting report imported: (?P<file>.+)$", N_("Meeting report imported: {file}")),
        (
            r"^meeting report: (?P<name>.+) counted for a trainee$",
            N_("Meeting report: {name} counted for a trainee"),
        ),
        (r"^meeting report: (?P<name>.+) not counted$", N_("Meeting report: {name} not counted")),
        (r"^admin (?P<email>\S+@\S+)$", N_("New administrator: {email}")),
        (r"^lecturer (?P<email>\S+@\S+)$", N_("New lecturer: {email}")),
        (r"^staff (?P<email>\S+@\S+)$", N_("New staff member: {email}")),
        (r"^(?P<file>.+): (?P<count>\d+) trainees$", N_("{file}: {count} trainees imported")),
    )
]


def summary_text(entry: AuditEntry, language: str) -> str:
    """The entry's summary in ``language``: its message translated, an English summary of an
    older entry recognised and translated, anything else (a name) as it is."""
    if entry.message:
        return _translated(language, entry.message, entry.params or {})
    for pattern, message in _LEGACY_SUMMARIES:
        found = pattern.match(entry.summary)
        if found:
            return _translated(language, message, found.groupdict())
    return entry.summary
