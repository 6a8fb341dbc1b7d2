"""Shapes of the lectures API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.courses.schemas import SlideRead
from app.db import RowId


class InterpreterIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    language: str = Field(min_length=2, max_length=16)


class LectureCreate(BaseModel):
    course: str = "legal-protection"
    title: str = Field(default="", max_length=200)
    lecturer_id: RowId
    cohort_ids: list[RowId] = Field(min_length=1)
    scheduled_start: datetime
    scheduled_end: datetime
    modules: list[str] = []
    interpreters: list[InterpreterIn] = []
    venue: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    delivery: Literal["classroom", "live-video"] = "classroom"


class SlideChange(BaseModel):
    module: str | None = None
    position: RowId | None = None
    step: int = Field(default=0, ge=-1000, le=1000)


class Ping(BaseModel):
    leaving: bool = False
    # Phones may send their own clock; it is ignored on purpose (the server's time counts).
    client_time: str | None = None


class AnswerIn(BaseModel):
    poll_id: RowId
    choice: str = Field(min_length=1, max_length=4)


class RosterIn(BaseModel):
    status: Literal["present", "late", "left-early", "absent"]
    minutes: int = Field(default=0, ge=0, le=1440)
    reason: str = Field(default="", max_length=500)


# --- what the API answers (and the pages render) -----------------------------------------


class PersonRef(BaseModel):
    id: int
    name: str


class CohortRef(BaseModel):
    id: int
    name: str
    cooperative_id: int


class InterpreterRead(BaseModel):
    name: str
    language: str


class LectureRead(BaseModel):
    """A lecture as the schedule shows it; cohorts limited to those the caller may see."""

    id: int
    title: str
    status: str
    scheduled_start: datetime
    scheduled_end: datetime
    delivery: str
    venue: str
    online_url: str
    lecturer: PersonRef | None
    revision: int | None
    cohorts: list[CohortRef]
    modules: list[str]
    interpreters: list[InterpreterRead]
    join_code: str | None = None  # for those who show it to trainees, never for trainees
    started_at: datetime | None = None
    ended_at: datetime | None = None
    confirmed_at: datetime | None = None


class PollState(BaseModel):
    id: int
    module: str
    position: int
    choices: int


class LiveState(BaseModel):
    """The lecture's live state as every page receives it (small: it travels by NOTIFY)."""

    lecture: int
    status: str
    module: str | None
    position: int | None
    slide: int | None
    area: str | None
    kind: str | None
    index: int | None
    count: int
    poll: PollState | None
    answers: bool = False  # true on the updates that only say an answer came in


class ShownSlide(BaseModel):
    """A lecture slide as shown in a language (the master while a translation is not current)."""

    module: str
    position: int
    area: str | None
    title: str
    title_language: str
    language: str
    fallback: bool
    slide: SlideRead


class PollResults(BaseModel):
    poll: int | None
    open: bool = False
    answer: str | None = None
    counts: dict[str, int] = {}
    answered: int = 0


class AnswerRead(BaseModel):
    poll: int
    choice: str


class PingRead(BaseModel):
    lecture: int
    status: str
    at: datetime


class RosterMark(BaseModel):
    status: str
    minutes: int
    reason: str


class RosterRead(RosterMark):
    id: int


class AreaTaught(BaseModel):
    code: str
    title: dict[str, str]
    minimum: int
    taught: int


class AttendanceRow(BaseModel):
    trainee_id: int
    trainee_number: str
    name: str
    language: str
    source: str
    roster: RosterMark | None
    minutes: dict[str, int]
    total: int
    confirmed: bool


class AttendanceSheet(BaseModel):
    lecture: int
    status: str
    confirmed_at: datetime | None
    areas: list[AreaTaught]
    rows: list[AttendanceRow]


class RecordVersion(BaseModel):
    minutes: dict[str, int]
    source: str
    reason: str
    recorded_at: datetime
    superseded_at: datetime | None
