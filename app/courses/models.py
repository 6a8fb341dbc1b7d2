"""Courses, their revisions, and the modules and slides a revision is made of.

A revision is created by a master-language deck. Every language's slides of that revision
live in ``slides`` (the master's too), each pointing at the deck import it came from.
Translations carried over from the previous revision keep pointing at their old import.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    program: Mapped[str] = mapped_column(String(32))
    master_language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="course", order_by="Revision.number"
    )


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    change_note: Mapped[str | None] = mapped_column(Text)
    effective_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(back_populates="revisions")
    modules: Mapped[list[Module]] = relationship(
        back_populates="revision", order_by="Module.position"
    )
    languages: Mapped[list[RevisionLanguage]] = relationship(
        back_populates="revision", order_by="RevisionLanguage.language"
    )


class DeckImport(Base):
    """One accepted deck file: its report, and the state of its slide-image rendering."""

    __tablename__ = "deck_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    file_size: Mapped[int]
    slide_count: Mapped[int]
    report: Mapped[dict[str, Any]]
    render_status: Mapped[str] = mapped_column(String(16), default="unavailable")
    render_error: Mapped[str | None] = mapped_column(Text)
    # Pages turned into images so far, for the progress shown while the rendering runs.
    rendered_pages: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Module(Base):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("revision_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    titles: Mapped[dict[str, Any]]  # language tag -> title
    area_code: Mapped[str | None] = mapped_column(String(64))
    planned_minutes: Mapped[int | None]

    revision: Mapped[Revision] = relationship(back_populates="modules")


class Slide(Base):
    __tablename__ = "slides"
    __table_args__ = (
        UniqueConstraint("module_id", "language", "position"),
        Index("ix_slides_import_id_deck_number", "import_id", "deck_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    language: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]  # 1-based within the module
    import_id: Mapped[int] = mapped_column(ForeignKey("deck_imports.id"))
    deck_number: Mapped[int]  # 1-based slide number in the source deck (PowerPoint's numbering)
    kind: Mapped[str] = mapped_column(String(16))  # content | quiz
    title: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[Any]]  # paragraphs, tables and pictures in reading order
    text: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    layout: Mapped[str] = mapped_column(String(100), default="")
    hidden: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    quiz: Mapped[dict[str, Any] | None]
    # For a translation: the master slide's hash it was made from, and whether it still fits.
    master_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="current")  # current stale untranslated
    image_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    thumb_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))


class RevisionLanguage(Base):
    """How complete one language is for one revision."""

    __tablename__ = "revision_languages"
    __table_args__ = (UniqueConstraint("revision_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # complete | incomplete | stale
    import_id: Mapped[int | None] = mapped_column(ForeignKey("deck_imports.id"))
    summary: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="languages")


class ModuleAreaAssignment(Base):
    """A statutory area given to a module code the course definition does not list."""

    __tablename__ = "module_area_assignments"
    __table_args__ = (UniqueConstraint("course_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    module_code: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
