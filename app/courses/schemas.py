"""Shapes of the courses API (requests and responses)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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


class PublishedRevision(RevisionOut):
    """A revision just published, with what changed against the one published before."""

    changes: DiffOut | None = None


class RevisionDetail(RevisionOut):
    languages: list[LanguageStatusOut]
    modules: list[dict[str, Any]]


class CourseOut(BaseModel):
    code: str
    label: str = Field(description="name, program and effective date in the reader's language")
    program: str
    program_title: str
    in_force: bool
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


class RenderProgress(BaseModel):
    """How far the slide images of an import are: sent again on every change while they run."""

    import_id: int
    status: str  # queued running done failed unavailable
    pages: int  # pages turned into images so far
    total: int
    percent: int
    finished: bool
    error: str | None = None
    result_url: str | None = None  # where the rendered slides are seen, once done


class SlideChangeOut(BaseModel):
    """One added, removed or changed slide: its place and text before and after."""

    change: Literal["added", "removed", "changed"]
    old_position: int | None = None
    old_slide: int | None = None
    old_title: str | None = None
    old_text: str | None = None
    new_position: int | None = None
    new_slide: int | None = None
    new_title: str | None = None
    new_text: str | None = None
    old_notes: str | None = None  # only when the speaker notes changed
    new_notes: str | None = None


class LanguageDiff(BaseModel):
    language: str
    added: list[SlideChangeOut]
    removed: list[SlideChangeOut]
    changed: list[SlideChangeOut]


class ModuleDiff(BaseModel):
    code: str
    titles: dict[str, str]
    status: Literal["added", "removed", "changed", "unchanged"]
    languages: list[LanguageDiff]


class DiffOut(BaseModel):
    """Added, removed and changed slides per module and language between two revisions."""

    course: str
    from_: int = Field(alias="from")
    to: int
    summary: dict[str, int]
    modules: list[ModuleDiff]

    model_config = ConfigDict(populate_by_name=True)


class SlideRead(BaseModel):
    """One slide in one language; ``fallback`` when the master stands in for a translation."""

    position: int
    slide: int
    language: str
    kind: str
    title: str
    blocks: list[Any]
    notes: str
    hidden: bool
    state: str
    quiz: dict[str, Any] | None
    image: str | None
    thumbnail: str | None
    fallback: bool = False


class ModuleSlides(BaseModel):
    """A module's slides in a language, each falling back to the master when missing."""

    course: str
    revision: int
    module: str
    title: str | None
    area: str | None
    language: str
    slides: list[SlideRead]
