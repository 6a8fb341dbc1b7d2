"""Shapes of the records API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel


class ReasonRead(BaseModel):
    code: str
    message: str
    blocking: bool


class TraineeCompliance(BaseModel):
    """A trainee's minutes per statutory area, quiz score, status and every reason."""

    trainee_id: int
    trainee_number: str
    name: str
    status: str
    minutes: dict[str, int]
    total: int
    quiz_score: int | None
    quiz_passed: bool | None
    revisions: list[int]
    languages: list[str]
    counted_lectures: list[int]
    reasons: list[ReasonRead]
    # Self-study minutes per area: shown apart, counted only where the course says so.
    self_study: dict[str, int] = {}
    self_study_counted: bool = False


class CohortCompliance(BaseModel):
    cohort_id: int
    course: str
    retention_until: date | None
    trainees: list[TraineeCompliance]


class XapiStatement(BaseModel):
    """One xAPI 1.0.3 statement (attended, or answered)."""

    id: str
    actor: dict[str, Any]
    verb: dict[str, Any]
    object: dict[str, Any]
    result: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    timestamp: str


class Purged(BaseModel):
    cohort_id: int
    trainees_removed: int


class ExportProgress(BaseModel):
    """How far a record export is: sent again on every change while the worker writes it."""

    export_id: int
    cohort_id: int
    status: str  # queued running done failed
    written: int  # trainees written so far
    total: int
    percent: int
    finished: bool
    error: str | None = None
    result_url: str | None = None  # the workbook's download, once done
