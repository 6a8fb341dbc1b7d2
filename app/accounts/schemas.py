"""Shapes of the accounts API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.db import RowId

Name = Field(min_length=1, max_length=200)


class CooperativeCreate(BaseModel):
    name: str = Name
    licence_number: str = Field(min_length=1, max_length=50)
    address: str = Field(default="", max_length=500)
    contact_name: str = Field(default="", max_length=200)
    contact_phone: str = Field(default="", max_length=50)
    contact_email: str = Field(default="", max_length=254)


class CooperativeUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=50)
    contact_email: str | None = Field(default=None, max_length=254)


class CooperativeRead(CooperativeCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int
    created_at: datetime


class EmployerCreate(BaseModel):
    name: str = Name
    address: str = Field(default="", max_length=500)
    cooperative_id: RowId | None = Field(default=None, description="admins only; staff: their own")


class EmployerUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)


class EmployerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    cooperative_id: int
    name: str
    address: str


class Affiliation(BaseModel):
    """An organisation the lecturer belongs to: a cooperative or implementing organisation in
    Koshu by id, or by name (a known name is linked to it; one that only resembles a known
    name is refused unless ``outside`` says it is another organisation, outside Koshu)."""

    name: str = Field(default="", max_length=200)
    cooperative_id: RowId | None = None
    employer_id: RowId | None = None
    role: str = Field(default="", max_length=100, description="e.g. 理事 (director), adviser")
    since: date | None = None
    until: date | None = None
    outside: bool = Field(default=False, description="the name is an organisation outside Koshu")


class AffiliationRead(BaseModel):
    name: str
    cooperative_id: int | None = None
    employer_id: int | None = None
    role: str = ""
    since: date | None = None
    until: date | None = None


class LecturerVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    display_name: str
    qualification: str
    registration_number: str
    affiliations: list[AffiliationRead]
    valid_from: date | None = Field(description="None: from the start")


class LecturerRead(LecturerVersionRead):
    user_id: int
    earlier: list[LecturerVersionRead] = Field(description="earlier versions, newest first")


class LecturerUpdate(BaseModel):
    valid_from: date | None = Field(default=None, description="default: today (Japan)")
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    qualification: str | None = Field(default=None, max_length=40)
    registration_number: str | None = Field(default=None, max_length=50)
    affiliations: list[Affiliation] | None = None


class UserCreate(BaseModel):
    role: Literal["admin", "lecturer", "staff"]
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str = Name
    password: str = Field(min_length=1, max_length=200)
    cooperative_id: RowId | None = None
    qualification: str | None = None
    registration_number: str = Field(default="", max_length=50)
    affiliations: list[Affiliation] = []


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    role: str
    display_name: str
    email: str | None
    cooperative_id: int | None
    active: bool
    created_at: datetime


class SecretIssued(BaseModel):
    user_id: int
    secret: str = Field(description="shown once; only its argon2 hash is stored")


class Me(BaseModel):
    user_id: int | None
    role: str
    cooperative_id: int | None
    display_name: str
    csrf_token: str | None = None


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    cooperative_id: RowId | None = None


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    cooperative_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenIssued(ApiTokenRead):
    token: str = Field(description="shown once; only its sha256 is stored")


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    cooperative_id: int | None
    actor_name: str
    action: str
    entity: str
    entity_id: str
    summary: str = Field(description="as stored, in English or a name")
    message: str = Field(description="the summary's message id; empty for older entries")
    params: dict[str, Any]
    text: str = Field(default="", description="the summary in the caller's language")
    changes: dict[str, Any]
    created_at: datetime
