"""The domain error family: errors a user can act on, each with a status code and a message.

They are turned into JSON or pages in one place, ``app.http.handlers``; this module imports
nothing from the HTTP or page layers, so every domain can raise them.
"""

from __future__ import annotations

from typing import Any

from app.i18n import N_, gettext


class DomainError(Exception):
    """An error a user can act on. ``message`` is an English template translated when shown."""

    status_code = 400
    code = "error"
    message = N_("The request could not be processed.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message = message or self.message
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)

    def text(self, language: str) -> str:
        return gettext(language, self.message, **self.params)

    def details(self, language: str) -> dict[str, Any]:
        """More of the error for API clients (beside code and message), in the language."""
        return {}


class NotFound(DomainError):
    status_code = 404
    code = "not-found"
    message = N_("Not found.")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"
