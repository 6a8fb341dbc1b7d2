"""What an import found wrong with a deck, kept language-neutral until it is shown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from app.i18n import gettext

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One finding. ``message`` is an English template; ``params`` fill it in any language."""

    severity: Severity
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    module: str | None = None
    slide: int | None = None  # the slide number as PowerPoint shows it

    def text(self, language: str = "en") -> str:
        return gettext(language, self.message, **self.params)

    def to_report(self, language: str = "en") -> dict[str, Any]:
        data = asdict(self)
        data["template"] = data.pop("message")
        data["message"] = self.text(language)
        return data

    @classmethod
    def from_report(cls, data: dict[str, Any]) -> Problem:
        return cls(
            severity=data["severity"],
            code=data["code"],
            message=data["template"],
            params=data.get("params") or {},
            module=data.get("module"),
            slide=data.get("slide"),
        )


class DeckRejected(Exception):
    """The file cannot be imported at all; carries the problems that say why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.text() for problem in problems))
        self.problems = problems


def error(code: str, message: str, **params: Any) -> Problem:
    return Problem("error", code, message, params)
