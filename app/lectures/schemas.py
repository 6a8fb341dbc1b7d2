"""Shapes of the lectures API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.hygiene import Line, MultiLine, WebUrl


class InterpreterIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    language: str = Field(min_length=2, max_length=16)


class LectureCreate(BaseModel):
    course: str = "legal-protection"
    title: Line = Field(default="", max_length=200)
    lecturer_id: int
    cohort_ids: list[int] = Field(min_length=1)
    scheduled_start: datetime
    scheduled_end: datetime
    modules: list[str] = []
    interpreters: list[InterpreterIn] = []
    venue: Line = Field(default="", max_length=300)
    online_url: WebUrl = Field(default="", max_length=500)
    delivery: Literal["classroom", "live-video"] = "classroom"


class SlideChange(BaseModel):
    module: str | None = None
    position: int | None = None
    step: int = Field(default=0, ge=-1000, le=1000)


class Ping(BaseModel):
    leaving: bool = False
    # Phones may send their own clock; it is ignored on purpose (the server's time counts).
    client_time: str | None = None


class AnswerIn(BaseModel):
    poll_id: int
    choice: str = Field(min_length=1, max_length=4)


class RosterIn(BaseModel):
    status: Literal["present", "late", "left-early", "absent"]
    minutes: int = Field(default=0, ge=0, le=1440)
    reason: MultiLine = Field(default="", max_length=500)


class StudyAnswerIn(BaseModel):
    choice: str = Field(min_length=1, max_length=4)
