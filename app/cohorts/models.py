"""Cohorts (a cooperative's intake) and their trainees."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Cohort(Base):
    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("cooperative_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    arrival_date: Mapped[date | None]
    training_start: Mapped[date | None]  # post-entry training period (入国後講習)
    training_end: Mapped[date | None]
    work_start: Mapped[date | None]
    languages: Mapped[list[Any]] = mapped_column(default=list)
    # The course (and so the program and its rules) the cohort is taught.
    course_code: Mapped[str] = mapped_column(
        String(64), default="legal-protection", server_default="legal-protection"
    )
    # When the trainees' technical intern training ends: records are kept a year past it.
    programme_end: Mapped[date | None]
    # The latest programme end ever recorded: moving the end earlier never shortens how long
    # records already written are kept.
    retention_end: Mapped[date | None]
    # What a trainee sees where their language has no current translation, in order; the
    # course's master language always comes last. Trainees may have their own.
    fallback_languages: Mapped[list[Any]] = mapped_column(
        default=lambda: ["en"], server_default='["en"]'
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Trainee(Base):
    """Only the personal data the training record needs."""

    __tablename__ = "trainees"
    __table_args__ = (UniqueConstraint("cooperative_id", "trainee_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    trainee_number: Mapped[str] = mapped_column(String(50))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    name_katakana: Mapped[str] = mapped_column(String(200))
    nationality: Mapped[str] = mapped_column(String(2))
    preferred_language: Mapped[str] = mapped_column(String(16))
    date_of_birth: Mapped[date]
    # The trainee's own fallback languages; None: the cohort's.
    fallback_languages: Mapped[list[Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
