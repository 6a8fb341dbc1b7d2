"""Cooperatives, implementing organisations, users and what proves who they are."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

ROLES = ("admin", "lecturer", "staff", "trainee")
QUALIFICATIONS = (
    "attorney",
    "administrative-scrivener",
    "labour-social-security-attorney",
    "government-official",
    "other",
)


class Cooperative(Base):
    """A supervising organisation (監理団体): the tenant every trainee record belongs to."""

    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    licence_number: Mapped[str] = mapped_column(String(50), unique=True)  # 許可番号
    address: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Employer(Base):
    """An implementing organisation (実習実施者) placed under a cooperative."""

    __tablename__ = "employers"
    __table_args__ = (UniqueConstraint("cooperative_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """Anyone who logs in. Staff and trainees belong to one cooperative; admins and lecturers
    to none. Staff, lecturers and admins log in by e-mail; trainees by login code and PIN."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    login_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(255))  # argon2 of password or PIN
    ui_language: Mapped[str] = mapped_column(String(16), default="ja")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    secret_changed_at: Mapped[datetime | None]

    lecturer: Mapped[LecturerProfile | None] = relationship(back_populates="user")


class LecturerProfile(Base):
    """What the training record needs to prove a lecturer may teach the lecture: the version
    that holds from ``valid_from`` on (None: always). Earlier versions are kept as
    ``LecturerProfileVersion`` rows, so a record shows what was true on the lecture's date."""

    __tablename__ = "lecturer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    qualification: Mapped[str] = mapped_column(String(40))
    registration_number: Mapped[str] = mapped_column(String(50), default="")
    # Organisations the lecturer belongs to, each {"name", "cooperative_id", "employer_id",
    # "role", "since", "until"}: a cooperative or employer in Koshu is linked by its id; an
    # organisation outside Koshu has a name only (see app.accounts.lecturers).
    affiliations: Mapped[list[Any]] = mapped_column(default=list)
    valid_from: Mapped[date | None]

    user: Mapped[User] = relationship(back_populates="lecturer")


class LecturerProfileVersion(Base):
    """A lecturer's profile as it was from ``valid_from`` (None: from the start) until the
    next version; written when the profile is changed."""

    __tablename__ = "lecturer_profile_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    valid_from: Mapped[date | None]
    display_name: Mapped[str] = mapped_column(String(200))
    qualification: Mapped[str] = mapped_column(String(40))
    registration_number: Mapped[str] = mapped_column(String(50), default="")
    affiliations: Mapped[list[Any]] = mapped_column(default=list)
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LoginSession(Base):
    """A signed-in browser. The cookie carries a random token; only its sha256 is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiToken(Base):
    """A cooperative's token for its own integrations; only the sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))  # shown so staff can tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginAttempts(Base):
    """Login attempts per account or address in the current window, shared by every process.

    One row per key, counted up by one atomic statement per attempt (see accounts.limits).
    """

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # failed ones and those in flight
    pending: Mapped[int] = mapped_column(default=0)  # in flight: being verified now
