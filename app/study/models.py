"""Self-study time: kept apart from lecture time, which alone counts toward the 8 hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class StudySession(Base):
    """Self-study: active, visible time a trainee spent on a module outside lectures."""

    __tablename__ = "study_sessions"
    __table_args__ = (Index("ix_study_sessions_trainee_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    module_code: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
