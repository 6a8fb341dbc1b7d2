"""Lectures, their timeline, presence, roster, attendance and polls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Lecture(Base):
    """One live lecture of a published course revision for one or more cohorts."""

    __tablename__ = "lectures"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    lecturer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    scheduled_start: Mapped[datetime]
    scheduled_end: Mapped[datetime]
    delivery: Mapped[str] = mapped_column(String(16), default="classroom")  # or live-video
    venue: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # scheduled live paused ended cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    current_module: Mapped[str | None] = mapped_column(String(64))
    current_position: Mapped[int | None]  # slide position within the module
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How the lecture's time and attendance were recorded: live in Koshu, or afterwards from
    # a signed paper sheet or a video meeting's participants report.
    recorded_via: Mapped[str] = mapped_column(String(16), default="live", server_default="live")
    # Why the lecture was cancelled (status "cancelled") or last moved, for its trainees to read.
    change_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The start it had before it was last moved (None: never moved).
    previous_start: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # Counts the live states published: a page that saw version n and hears n+2, or hears
    # nothing while the lecture is at n+1, knows it missed one (app.lectures.router).
    state_version: Mapped[int] = mapped_column(default=0, server_default="0")


class LectureCohort(Base):
    __tablename__ = "lecture_cohorts"
    __table_args__ = (UniqueConstraint("lecture_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)


class LectureModule(Base):
    """A module the lecture plans to teach, in order."""

    __tablename__ = "lecture_modules"
    __table_args__ = (UniqueConstraint("lecture_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]


class Interpreter(Base):
    __tablename__ = "interpreters"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))


class LectureEvent(Base):
    """The timeline: what the presenter did, at the server's time."""

    __tablename__ = "lecture_events"
    __table_args__ = (Index("ix_lecture_events_lecture_id_id", "lecture_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"))
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # start slide pause resume end poll-open poll-close
    at: Mapped[datetime] = mapped_column(default=utcnow)
    module_code: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int | None]
    area_code: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PresenceInterval(Base):
    """A stretch of time a trainee was present: their phone's page kept pinging (``device``),
    or a paper sheet or a meeting report says so (``paper``, ``meeting``)."""

    __tablename__ = "presence_intervals"
    __table_args__ = (
        Index("ix_presence_intervals_lecture_id_trainee_id", "lecture_id", "trainee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    closed: Mapped[bool] = mapped_column(default=False)
    # Closed because the page was left (closed, navigated away), not because it went quiet.
    departed: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    source: Mapped[str] = mapped_column(String(16), default="device", server_default="device")
    device: Mapped[str | None] = mapped_column(String(64))  # a random id per phone page


class PresenceGap(Base):
    """Time between two presence intervals of the same phone page that went quiet (screen
    asleep, network lost) and came back inside the lecture: credited while ``pending`` or
    ``accepted``, not once the lecturer ``rejected`` it."""

    __tablename__ = "presence_gaps"
    __table_args__ = (Index("ix_presence_gaps_lecture_id_trainee_id", "lecture_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")


class LectureEvidence(Base):
    """A file that shows what happened: a scan of the signed sheet, a meeting's report."""

    __tablename__ = "lecture_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # paper-sheet meeting-report
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class RosterEntry(Base):
    """Attendance marked by hand. A change adds a row; the previous one is kept, superseded."""

    __tablename__ = "roster_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    status: Mapped[str] = mapped_column(String(16))  # present late left-early absent
    minutes: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]


class AttendanceRecord(Base):
    """The confirmed minutes of one trainee in one lecture. A correction adds a row with a
    reason and keeps the old one, superseded, so the record shows both."""

    __tablename__ = "attendance_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    # The language most of the trainee's slides were shown in, and every slide's:
    # {"LP-02/3": "en"} (a Khmer trainee without a Khmer deck reads the English one).
    language: Mapped[str] = mapped_column(String(16))
    slide_languages: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    minutes_by_area: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(16))  # device roster none
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]


class Poll(Base):
    """A quiz slide opened as a live poll."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    answer: Mapped[str] = mapped_column(String(4))
    choices: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A countdown's end, by the server's clock: answers after it are refused, and the poll
    # timer closes the poll then even if nobody presses "close".
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class QuizAnswer(Base):
    """One trainee's answer: to a live poll, or to a module quiz in self-study."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint("poll_id", "trainee_id"),
        Index("ix_quiz_answers_trainee_id_revision_id", "trainee_id", "revision_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    module_code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    choice: Mapped[str] = mapped_column(String(4))
    correct: Mapped[bool]
    language: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
