"""Asking before an action that cannot be taken back (publish, purge, confirm a sheet, cancel).

Through the API the caller says so explicitly (``confirm=true``); without it the action is
refused with ``ConfirmationRequired`` and nothing changes. On a page, a form posted without
``confirm`` gets a confirmation page instead, drawn by the server (so it works without
script): it says what will happen and posts the same fields again with ``confirm``.

Before asking, the action is rehearsed and taken back (a savepoint), so a caller hears at
once that it could not go through anyway (already published, retention not over) instead of
confirming first and being refused after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, TypeVar

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.http.rendering import render
from app.i18n import N_


class ConfirmationRequired(DomainError):
    status_code = 428
    code = "confirmation-required"
    message = N_(
        "This cannot be undone. Nothing was changed; send the request again with "
        "confirm=true to go ahead."
    )


# An API route's explicit flag, and a page form's field set by the confirmation page.
ConfirmQuery = Annotated[bool, Query(description="true to go ahead: the action cannot be undone")]
ConfirmField = Annotated[bool, Form()]


T = TypeVar("T")


def rehearse(session: Session, action: Callable[[], object]) -> None:
    """Run the action in a savepoint and take it back: its DomainError, if any, is raised."""
    savepoint = session.begin_nested()
    try:
        action()
    finally:
        savepoint.rollback()


def confirmed(session: Session, confirm: bool, action: Callable[[], T]) -> T:
    """The action's result if the caller confirmed; else, the action permitting, 428."""
    if confirm:
        return action()
    rehearse(session, action)
    raise ConfirmationRequired()


def asked_first(
    session: Session, confirm: bool, action: Callable[[], object], question: Callable[[], T]
) -> T | None:
    """A page form's action: done when confirmed (None); else rehearsed, and the
    confirmation page (``question``) to show. A refusal is raised either way."""
    if confirm:
        action()
        return None
    rehearse(session, action)
    return question()


def ask(
    request: Request,
    *,
    title: str,
    consequences: Sequence[str],
    action: str,
    back: str,
    button: str,
    fields: Mapping[str, str] | None = None,
    danger: bool = True,
) -> HTMLResponse:
    """The confirmation page: what will happen, and a form that posts ``fields`` (already
    given by the first form) to ``action`` again with ``confirm``; or back to ``back``."""
    return render(
        request,
        "confirm.html",
        title=title,
        consequences=consequences,
        action=action,
        back=back,
        button=button,
        fields=dict(fields or {}),
        danger=danger,
    )
