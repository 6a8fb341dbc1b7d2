"""Shapes of the cohorts API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.db import RowId
from app.hygiene import Line, MultiLine


class CohortCreate(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    arrival_date: date | None = None
    training_start: date | None = None
    training_end: date | None = None
    work_start: date | None = None
    languages: list[str] = []
    course_code: str = "legal-protection"
    fallback_languages: list[str] = Field(
        default=["en"],
        description="languages shown, in order, where a trainee's own has no current "
        "translation (the course's master language always comes last)",
    )
    programme_end: date | None = Field(default=None, description="end of the internship")
    cooperative_id: RowId | None = Field(default=None, description="admins only; staff: their own")


class CohortUpdate(BaseModel):
    name: Line | None = Field(default=None, min_length=1, max_length=200)
    programme_end: date | None = None
    arrival_date: date | None = None
    training_start: date | None = None
    training_end: date | None = None
    work_start: date | None = None
    languages: list[str] | None = None
    # Needed once the cohort's trainees have records and a date changes (kept in the audit log).
    reason: MultiLine = Field(default="", max_length=500)
    fallback_languages: list[str] | None = None


class LanguageWarning(BaseModel):
    """A language without a complete translation of the published revision."""

    language: str
    status: str  # missing incomplete stale, or unpublished (no revision at all)
    shown: str  # the language its trainees are shown instead
    message: str


class CohortRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    cooperative_id: int
    name: str
    arrival_date: date | None
    training_start: date | None
    training_end: date | None
    work_start: date | None
    languages: list[str]
    course_code: str
    fallback_languages: list[str]
    programme_end: date | None
    # The latest programme end ever recorded: records are kept until a year after it.
    retention_end: date | None = None
    created_at: datetime


class CohortCreated(CohortRead):
    """The new cohort, and the languages its trainees will not see in their own."""

    language_warnings: list[LanguageWarning] = []


class TraineeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    cooperative_id: int
    cohort_id: int
    employer_id: int | None
    trainee_number: str
    family_name: str
    given_name: str
    name_katakana: str
    nationality: str
    preferred_language: str
    fallback_languages: list[str] | None
    date_of_birth: date


class TraineeCreate(BaseModel):
    family_name: Line = Field(min_length=1, max_length=100)
    given_name: Line = Field(default="", max_length=100)
    name_katakana: Line = Field(min_length=1, max_length=200)
    nationality: str = Field(min_length=2, max_length=2, description="ISO 3166 code, e.g. VN")
    preferred_language: str = Field(min_length=2, max_length=16)
    date_of_birth: date
    trainee_number: Line = Field(min_length=1, max_length=50)
    employer_id: RowId | None = None


class TraineeUpdate(BaseModel):
    family_name: Line | None = Field(default=None, min_length=1, max_length=100)
    given_name: Line | None = Field(default=None, min_length=1, max_length=100)
    name_katakana: Line | None = Field(default=None, min_length=1, max_length=200)
    preferred_language: str | None = None
    trainee_number: str | None = Field(default=None, min_length=1, max_length=50)
    employer_id: RowId | None = None
    fallback_languages: list[str] | None = Field(
        default=None, description="the trainee's own fallback languages; [] for the cohort's"
    )


class NewEmployer(BaseModel):
    name: str = Field(description="as written in the file")
    suggestion: str | None = Field(description="a registered employer it is probably a typo of")
    rows: list[int]


class MatchedEmployer(BaseModel):
    name: str = Field(description="as written in the file")
    employer: str = Field(description="the registered employer it was matched to")
    rows: list[int]


class TraineeMerge(BaseModel):
    into_trainee_id: RowId = Field(description="the trainee that is kept")


class EmployerMerge(BaseModel):
    into_employer_id: RowId = Field(description="the employer that is kept")


class ImportReport(BaseModel):
    status: str = Field(description="imported partial rejected, or confirm: new employers")
    new_employers: list[NewEmployer] = []
    matched_employers: list[MatchedEmployer] = []
    cohort_id: int
    filename: str
    total_rows: int
    added: list[dict[str, Any]]
    would_add: int
    unchanged_rows: list[int]
    errors: list[dict[str, Any]]
    language_warnings: list[LanguageWarning] = []


class Card(BaseModel):
    trainee_id: int
    trainee_number: str
    name: str
    login_code: str
    pin: str
