"""Course definitions: the rule set of a lecture, read from ``courses/*.toml``.

The statutory rules (8 hours, four areas of 2 hours, who may lecture, retention) are data in
these files, not constants in code, because the 2027 program switch and later revisions of
the guidelines change them.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.i18n import N_, gettext
from app.languages import is_known

# A course names its program; people choose courses by these names, never by the codes.
PROGRAM_TITLES = {
    "titp": N_("Technical Intern Training Program (技能実習)"),
    "ikusei-shuro": N_("Employment for Skill Development (育成就労)"),
}

Qualification = Literal[
    "attorney",
    "administrative-scrivener",
    "labour-social-security-attorney",
    "government-official",
    "other",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(Strict):
    """A statutory area of the lecture with the minimum minutes each trainee must attend."""

    code: str = Field(pattern=r"^[a-z0-9-]+$")
    titles: dict[str, str]
    minimum_minutes: int = Field(ge=0)


class ModuleSpec(Strict):
    code: str = Field(min_length=1, max_length=64)
    area: str
    planned_minutes: int = Field(ge=0)


class PresenceRules(Strict):
    """How a phone's pings become attended time (see the lecturer's guide)."""

    # Pings closer than this belong to one stretch of presence; the page pings every 15 s.
    ping_gap_seconds: int = Field(default=60, ge=20, le=600)
    # A quiet phone (screen asleep, network lost) that comes back within this many minutes,
    # still on the lecture's page and without having left it, is credited for the gap: a
    # "bridged gap" the lecturer sees on the sheet and may reject. Longer gaps are not.
    bridge_max_minutes: int = Field(default=30, ge=0, le=240)


class CourseDefinition(Strict):
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    program: Literal["titp", "ikusei-shuro"]
    titles: dict[str, str]
    master_language: str
    languages: list[str]
    effective_from: date | None = None
    terminology: dict[str, dict[str, str]] = {}
    total_minimum_minutes: int = Field(ge=0)
    areas: list[Area] = Field(min_length=1)
    modules: list[ModuleSpec] = []
    quiz_pass_mark_percent: int = Field(ge=0, le=100)
    quizzes_required: bool = False
    self_study_counts: bool = False
    delivery_modes_counted: list[Literal["classroom", "live-video", "self-study"]] = [
        "classroom",
        "live-video",
    ]
    eligible_qualifications: list[Qualification]
    lecturer_must_be_independent: bool = True
    retention_years_after_training: int = Field(ge=0)
    presence: PresenceRules = PresenceRules()

    @model_validator(mode="after")
    def _consistent(self) -> CourseDefinition:
        unknown = [tag for tag in self.languages if not is_known(tag)]
        if unknown:
            raise ValueError(f"unknown language tags: {', '.join(unknown)}")
        if self.master_language not in self.languages:
            raise ValueError(f"master_language {self.master_language!r} is not in languages")
        if self.master_language not in self.titles:
            raise ValueError("titles must include the master language")
        area_codes = [area.code for area in self.areas]
        if len(set(area_codes)) != len(area_codes):
            raise ValueError("area codes must be unique")
        if sum(area.minimum_minutes for area in self.areas) > self.total_minimum_minutes:
            raise ValueError("the areas' minimum minutes add up to more than the total minimum")
        module_codes = [module.code for module in self.modules]
        if len(set(module_codes)) != len(module_codes):
            raise ValueError("module codes must be unique")
        for module in self.modules:
            if module.area not in area_codes:
                raise ValueError(f"module {module.code} names unknown area {module.area!r}")
        return self

    def area(self, code: str) -> Area | None:
        return next((area for area in self.areas if area.code == code), None)

    def module(self, code: str) -> ModuleSpec | None:
        return next((module for module in self.modules if module.code == code), None)

    def title(self, language: str) -> str:
        return (
            self.titles.get(language) or self.titles.get("en") or self.titles[self.master_language]
        )

    def program_title(self, language: str) -> str:
        return gettext(language, PROGRAM_TITLES[self.program])

    def in_force(self, today: date) -> bool:
        return self.effective_from is None or self.effective_from <= today

    def label(self, language: str) -> str:
        """What a person choosing a course reads: its name, program and effective date."""
        if self.effective_from is None:
            return gettext(
                language,
                N_("{title} · {program}"),
                title=self.title(language),
                program=self.program_title(language),
            )
        return gettext(
            language,
            N_("{title} · {program} · from {date}"),
            title=self.title(language),
            program=self.program_title(language),
            date=self.effective_from.isoformat(),
        )


class DefinitionError(Exception):
    """A course definition file is missing, unreadable or invalid."""


def load_definition(path: Path) -> CourseDefinition:
    """Read and validate one definition file; raise DefinitionError naming file and field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read: {exc}") from exc
    try:
        return CourseDefinition.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(file)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise DefinitionError(f"{path}: invalid course definition: {details}") from exc


def load_definitions(folder: Path) -> dict[str, CourseDefinition]:
    """Read every ``*.toml`` in the folder, ordered by effective date (undated first); codes
    must be unique across files."""
    if not folder.is_dir():
        raise DefinitionError(f"course definitions folder not found: {folder}")
    definitions: dict[str, CourseDefinition] = {}
    for path in sorted(folder.glob("*.toml")):
        definition = load_definition(path)
        if definition.code in definitions:
            raise DefinitionError(f"{path}: course code {definition.code!r} is defined twice")
        definitions[definition.code] = definition
    if not definitions:
        raise DefinitionError(f"no course definitions (*.toml) in {folder}")
    # Courses in force first (the one without a date, then by date): a list or a form's
    # default never puts a program that has not started yet above the one taught today.
    return dict(
        sorted(definitions.items(), key=lambda item: (item[1].effective_from or date.min, item[0]))
    )
