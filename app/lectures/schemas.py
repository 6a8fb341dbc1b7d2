"""Shapes of the lectures API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.courses.schemas import SlideRead
from app.db import RowId
from app.hygiene import Line, MultiLine, WebUrl


class InterpreterIn(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    language: str = Field(min_length=2, max_length=16)


def _with_offset(value: datetime | None) -> datetime | None:
    """A lecture's time with its UTC offset; a bare time is refused rather than guessed."""
    if value is not None and value.tzinfo is None:
        raise ValueError("give the time with its UTC offset, e.g. 2026-12-03T09:00:00+09:00")
    return value


class LectureCreate(BaseModel):
    course: str = "legal-protection"
    title: Line = Field(default="", max_length=200)
    lecturer_id: RowId
    cohort_ids: list[RowId] = Field(min_length=1)
    scheduled_start: datetime  # with its offset: a bare time is refused, not guessed
    scheduled_end: datetime
    modules: list[str] = []
    interpreters: list[InterpreterIn] = []
    venue: Line = Field(default="", max_length=300)
    online_url: WebUrl = Field(default="", max_length=500)
    delivery: Literal["classroom", "live-video"] = "classroom"

    _aware = field_validator("scheduled_start", "scheduled_end")(_with_offset)
    # Saving despite the warnings scheduling found (lecturer, dates, overlaps, languages);
    # without it a lecture with warnings is refused (409) with the warnings listed.
    acknowledge_warnings: bool = False


class LectureUpdate(BaseModel):
    """A change to a lecture; fields left out stay. Timing, lecturer, modules and delivery
    change only before the lecture starts."""

    reason: MultiLine = Field(min_length=1, max_length=500)
    title: Line | None = Field(default=None, max_length=200)
    lecturer_id: RowId | None = None
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    modules: list[str] | None = None
    interpreters: list[InterpreterIn] | None = None
    venue: Line | None = Field(default=None, max_length=300)
    online_url: WebUrl | None = Field(default=None, max_length=500)
    delivery: Literal["classroom", "live-video"] | None = None
    acknowledge_warnings: bool = False

    _aware = field_validator("scheduled_start", "scheduled_end")(_with_offset)


class LectureCancel(BaseModel):
    reason: MultiLine = Field(min_length=1, max_length=500)
    # A cancellation cannot be taken back: without true, 428 and nothing changes.
    confirm: bool = Field(default=False, description="true to go ahead")


class SchedulingWarning(BaseModel):
    """Something that may keep the lecture from counting, found before saving it."""

    code: str
    message: str
    cohort_id: int | None = None


class SlideChange(BaseModel):
    module: str | None = None
    position: RowId | None = None
    step: int = Field(default=0, ge=-1000, le=1000)


class Ping(BaseModel):
    leaving: bool = False  # the page is being closed or left (not: hidden, screen asleep)
    # A random id the page draws once: a gap between pings of the same page can be bridged.
    device: str | None = Field(default=None, max_length=64)
    # Phones may send their own clock; it is ignored on purpose (the server's time counts).
    client_time: str | None = None


class PollOpen(BaseModel):
    seconds: int | None = Field(
        default=None, ge=5, le=600, description="a countdown: the poll closes itself then"
    )


class AnswerIn(BaseModel):
    poll_id: RowId
    choice: str = Field(min_length=1, max_length=4)


class RosterIn(BaseModel):
    status: Literal["present", "late", "left-early", "absent"]
    minutes: int = Field(default=0, ge=0, le=1440)
    reason: MultiLine = Field(default="", max_length=500)


class RosterSheetMark(RosterIn):
    trainee_id: RowId


class RosterSheetIn(BaseModel):
    """Marks for several trainees at once, saved together or not at all."""

    marks: list[RosterSheetMark] = Field(max_length=2000)


class GapDecision(BaseModel):
    status: Literal["accepted", "rejected"]
    reason: MultiLine = Field(default="", max_length=500)


class ConfirmIn(BaseModel):
    # Confirming a sheet on which trainees were credited less than an area was taught needs
    # this: the lecturer has seen them (GET .../attendance lists them as shortfalls).
    acknowledge_shortfalls: bool = False
    # From then on a change needs a reason; the caller says it means it (undo: DELETE .../confirm
    # within the undo window).
    confirm: bool = Field(default=False, description="true to go ahead")


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
    # Why it was cancelled or last moved, and the start it had before the move.
    change_reason: str = ""
    previous_start: datetime | None = None
    # A revision published since the lecture was scheduled: starting teaches it instead.
    newer_revision: int | None = None
    # The warnings acknowledged when it was saved (create and change answers only).
    warnings: list[SchedulingWarning] = []


class PollState(BaseModel):
    id: int
    module: str
    position: int
    choices: int
    # A countdown's end, and the seconds left when this state was sent: pages count down
    # from ``remaining`` on their own clock, which need not agree with the server's.
    closes_at: datetime | None = None
    remaining: float | None = None


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
    version: int = 0  # Lecture.state_version: grows with every state published


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


class GapRead(BaseModel):
    """A stretch a trainee's phone went quiet and came back (screen asleep, network lost)."""

    id: int
    started_at: datetime
    ended_at: datetime
    minutes: int
    status: Literal["pending", "accepted", "rejected"]
    reason: str = ""


class AttendanceRow(BaseModel):
    trainee_id: int
    trainee_number: str
    name: str
    language: str
    source: str  # device, roster, paper, meeting, none
    # How the trainee attended: throughout, partly (late, left early or away for a while),
    # absent (marked so), or no-data (nothing says they were there: never counted as present).
    attendance: Literal["throughout", "partly", "absent", "no-data"]
    arrived_at: datetime | None = None  # when later than the start
    left_at: datetime | None = None  # when earlier than the end
    gaps: list[GapRead] = []
    roster: RosterMark | None
    minutes: dict[str, int]
    total: int
    confirmed: bool


class Shortfall(BaseModel):
    """A trainee credited with less of an area than the lecture taught of it."""

    trainee_id: int
    name: str
    area: str
    credited: int
    taught: int


class AttendanceSheet(BaseModel):
    lecture: int
    status: str
    confirmed_at: datetime | None
    # Until when the confirmation may still be undone (None: not confirmed, or too late).
    undo_until: datetime | None = None
    areas: list[AreaTaught]
    rows: list[AttendanceRow]
    shortfalls: list[Shortfall] = []


class RoomTrainee(BaseModel):
    trainee_id: int
    name: str
    state: Literal["following", "asleep", "left", "not-joined"]
    last_seen_at: datetime | None


class Room(BaseModel):
    """Who is following the lecture right now, for the presenter."""

    expected: int
    following: int
    trainees: list[RoomTrainee]  # everyone not following, first; then those following


class RecordVersion(BaseModel):
    minutes: dict[str, int]
    source: str
    reason: str
    recorded_at: datetime
    superseded_at: datetime | None


# --- lectures recorded afterwards (paper sheet, video meeting report) --------------------


class BlockIn(BaseModel):
    """One stretch of one statutory area as it really ran: its modules, from when to when."""

    modules: list[str] = []
    start: datetime
    end: datetime


class AttendeeIn(BaseModel):
    """A trainee on the sheet; without times they were there for the whole lecture."""

    trainee_id: RowId
    arrived: datetime | None = None
    left: datetime | None = None


class RecordedIn(BaseModel):
    """What happened at a lecture held outside Koshu (or whose phones failed).

    ``blocks`` are left out to add presence to a lecture whose times are already recorded
    (an ended live lecture). Lecturer, interpreters and venue replace the scheduled ones when
    given."""

    via: Literal["paper", "meeting"] = "paper"
    blocks: list[BlockIn] = []
    attendees: list[AttendeeIn] = []
    lecturer_id: RowId | None = None
    interpreters: list[InterpreterIn] | None = None
    venue: str | None = Field(default=None, max_length=300)


class RecordedCreate(RecordedIn):
    """A lecture scheduled and recorded in one step (held outside Koshu, entered afterwards)."""

    course: str = "legal-protection"
    title: str = Field(default="", max_length=200)
    lecturer_id: RowId  # type: ignore[assignment]
    cohort_ids: list[RowId] = Field(min_length=1)
    delivery: Literal["classroom", "live-video"] = "classroom"
    online_url: str = Field(default="", max_length=500)


class BlockRead(BaseModel):
    area: str | None
    modules: list[str]
    start: datetime
    end: datetime
    minutes: int


class StayRead(BaseModel):
    start: datetime
    end: datetime


class AttendeeRead(BaseModel):
    trainee_id: int
    trainee_number: str
    name: str
    source: str
    stays: list[StayRead]


class EvidenceRead(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class RecordedRead(BaseModel):
    """A lecture's record as entered afterwards: how, its blocks and who was there when."""

    lecture: int
    status: str
    recorded_via: str
    started_at: datetime | None
    ended_at: datetime | None
    blocks: list[BlockRead]
    attendees: list[AttendeeRead]
    evidence: list[EvidenceRead]


class ParticipantRead(BaseModel):
    """A name in a meeting's report, its stays, and the trainee it counts for (if any)."""

    name: str
    email: str
    minutes: int
    stays: list[StayRead]
    trainee_id: int | None = None
    trainee_name: str | None = None
    assigned: bool = False  # matched by hand, not by the name
    candidates: list[int] = []  # several trainees have this name: choose one


class MeetingImportRead(BaseModel):
    lecture: int
    evidence: EvidenceRead
    layout: str
    matched: list[ParticipantRead]
    unmatched: list[ParticipantRead]


class AssignIn(BaseModel):
    """Count a name of the report for a trainee, or (no trainee) leave it out on purpose."""

    evidence_id: RowId
    name: str = Field(min_length=1, max_length=300)
    trainee_id: RowId | None = None
