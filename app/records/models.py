"""Exports of a cohort's training record prepared in the background, and their progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class RecordExport(Base):
    """A cohort's XLSX record being written by the job worker; the file once it is done."""

    __tablename__ = "record_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    language: Mapped[str] = mapped_column(String(20))  # of the reasons in the workbook
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued running done failed
    written: Mapped[int] = mapped_column(default=0)  # trainees written so far
    total: Mapped[int] = mapped_column(default=0)  # trainees in the cohort
    error: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))  # the workbook, once done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
