"""Shapes of the courses API (requests and responses)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class ProblemOut(BaseModel):
    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    module: str | None = None
    slide: int | None = None
    params: dict[str, Any] = {}


class ModuleReport(BaseModel):
    code: str
    title: str
    slides: int
    quiz_slides: int = 0
    hidden_slides: int = 0


class LanguageStatusOut(BaseModel):
    language: str
    status: Literal["complete", "incomplete", "stale", "missing"]
    import_id: int | None = None
    total: int | None = None
    current: int | None = None
    stale: int | None = None
    untranslated: int | None = None
    missing: int | None = None


class StaleSlide(BaseModel):
    language: str
    module: str
    slide: int
    reason: Literal["changed", "new"]


class ImportReport(BaseModel):
    """What an import did, or why it refused the file."""

    status: Literal["accepted", "rejected"]
    course: str
    revision: int | None
    language: str
    filename: str
    import_id: int | None
    revision_status: str | None = None
    is_master: bool | None = None
    change_note: str | None = None
    effective_date: date | None = None
    slide_count: int | None = None
    modules: list[ModuleReport]
    problems: list[ProblemOut]
    languages: list[LanguageStatusOut]
    stale_slides: list[StaleSlide]
    rendering: str


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status: str
    change_note: str | None
    effective_date: date | None
    created_at: datetime
    published_at: datetime | None


class RevisionDetail(RevisionOut):
    languages: list[LanguageStatusOut]
    modules: list[dict[str, Any]]


class CourseOut(BaseModel):
    code: str
    program: str
    titles: dict[str, str]
    master_language: str
    languages: list[str]
    effective_from: date | None
    total_minimum_minutes: int
    areas: list[dict[str, Any]]
    published_revision: int | None
    latest_revision: int | None


class AreaAssignment(BaseModel):
    area: str


class AreaAssigned(BaseModel):
    course: str
    module: str
    area: str
    modules_updated: int


class ImportStatus(BaseModel):
    import_id: int
    revision: int
    language: str
    filename: str
    slide_count: int
    created_at: datetime
    rendering: str
    rendering_error: str | None
    rendered_slides: int
    report: ImportReport


class DiffOut(BaseModel):
    course: str
    from_: int
    to: int
    summary: dict[str, int]
    modules: list[dict[str, Any]]

    model_config = ConfigDict(populate_by_name=True)
