"""Shapes of the self-study API and pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.courses.schemas import ModuleSlides


class StudyAnswerIn(BaseModel):
    choice: str = Field(min_length=1, max_length=4)
    revision: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="the revision the page shows"
    )


class StudyPingRead(BaseModel):
    module: str
    at: datetime


class StudyAnswerResult(BaseModel):
    correct: bool
    answer: str
    explanation: str = ""


class StudyScore(BaseModel):
    """A trainee's self-study quiz score on a module: the latest answer to each question."""

    correct: int
    answered: int
    questions: int
    at: datetime  # when the latest of those answers was given


class StudyModuleRef(BaseModel):
    code: str
    title: str | None
    title_language: str
    score: StudyScore | None = None  # for the trainee reading it, once they answered a quiz


class StudyCourse(BaseModel):
    """A course's published modules, titled in the reader's language."""

    course: str
    title: str
    self_study_counts: bool
    total_minimum_minutes: int
    modules: list[StudyModuleRef]


class StudyModule(ModuleSlides):
    """A published module for self-study: no hidden slides, no quiz answers."""

    master_language: str
    title_language: str
