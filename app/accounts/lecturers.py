"""Lecturers as people: their affiliations, linked to the organisations Koshu knows, and the
history of their profile, so a record and the independence check see what held on a day.

An affiliation is ``{"name", "cooperative_id", "employer_id", "role", "since", "until"}``.
Whatever the entry point (API, command line, form), a name that is a cooperative's or an
implementing organisation's once normalised (``app.accounts.names``) is linked to it by id;
a name that only resembles one is refused with the suggestion, unless the caller confirms
the organisation is outside Koshu.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import names
from app.accounts.errors import (
    AffiliationLooksKnown,
    InvalidAffiliationDates,
    NotALecturer,
    OrganisationNotFound,
    ProfileDateTooEarly,
)
from app.accounts.models import (
    QUALIFICATIONS,
    Cooperative,
    Employer,
    LecturerProfile,
    LecturerProfileVersion,
    User,
)
from app.accounts.tenancy import Principal
from app.audit import service as audit
from app.clock import JAPAN
from app.db import utcnow
from app.errors import InvalidInput
from app.i18n import N_

# A known name inside a longer typed one ("岡山中央協同組合 理事") links to it (the safe side:
# the lecturer counts as not independent, and the link is shown); shorter names are too
# likely to occur inside unrelated ones.
_MIN_CONTAINED_KEY = 4


@dataclass(frozen=True)
class Organisation:
    """A cooperative or an implementing organisation a lecturer can belong to."""

    kind: str  # cooperative employer
    id: int
    name: str
    cooperative_name: str = ""  # an employer's cooperative, to tell same-named ones apart

    @property
    def value(self) -> str:
        """How a form names it: ``cooperative:3``, ``employer:12``."""
        return f"{self.kind}:{self.id}"

    def affiliation(self, **extra: Any) -> dict[str, Any]:
        return {
            "name": self.name,
            "cooperative_id": self.id if self.kind == "cooperative" else None,
            "employer_id": self.id if self.kind == "employer" else None,
            **extra,
        }


def organisations(session: Session) -> list[Organisation]:
    """Every cooperative and implementing organisation, cooperatives first, by name."""
    cooperatives = list(session.scalars(select(Cooperative).order_by(Cooperative.name)))
    coop_names = {c.id: c.name for c in cooperatives}
    employers = session.scalars(select(Employer).order_by(Employer.name, Employer.id))
    return [Organisation("cooperative", c.id, c.name) for c in cooperatives] + [
        Organisation("employer", e.id, e.name, coop_names.get(e.cooperative_id, ""))
        for e in employers
    ]


def _linked(session: Session, item: dict[str, Any]) -> Organisation | None:
    if item.get("cooperative_id") is not None:
        cooperative = session.get(Cooperative, item["cooperative_id"])
        if cooperative is None:
            raise OrganisationNotFound(id=item["cooperative_id"])
        return Organisation("cooperative", cooperative.id, cooperative.name)
    if item.get("employer_id") is not None:
        employer = session.get(Employer, item["employer_id"])
        if employer is None:
            raise OrganisationNotFound(id=item["employer_id"])
        return Organisation("employer", employer.id, employer.name)
    return None


def _iso(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput(
            N_("{value} is not a date (write it as 2026-04-01)."), value=value
        ) from None


def resolve_affiliations(
    session: Session, affiliations: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Affiliations ready to store: ids checked, typed names linked to the organisation they
    name. A typed name that only resembles a known one raises AffiliationLooksKnown unless
    the item says ``outside`` (an organisation outside Koshu); empty items are dropped."""
    known: list[Organisation] | None = None
    resolved: list[dict[str, Any]] = []
    for item in affiliations:
        name = str(item.get("name") or "").strip()
        extra = {
            "role": str(item.get("role") or "").strip(),
            "since": _iso(item.get("since")),
            "until": _iso(item.get("until")),
        }
        if extra["since"] and extra["until"] and extra["until"] < extra["since"]:
            raise InvalidAffiliationDates(name=name, since=extra["since"], until=extra["until"])
        linked = _linked(session, item)
        if linked is not None:
            resolved.append(linked.affiliation(**extra))
            continue
        if not name:
            continue
        if known is None:
            known = organisations(session)
        matches = names.match(name, [(o.name, o) for o in known])
        exact = [m.item for m in matches if m.exact]
        if not exact and (contained := _contained(name, known)):
            exact = contained
            # "岡山中央協同組合 理事": what is typed besides the name is the role.
            extra["role"] = extra["role"] or _besides(name, contained[0].name)
        if exact:
            resolved.extend(o.affiliation(**extra) for o in exact)
        elif matches and not item.get("outside"):
            raise AffiliationLooksKnown(name=name, suggestion=matches[0].item.name)
        else:
            resolved.append({"name": name, "cooperative_id": None, "employer_id": None, **extra})
    return resolved


def _besides(typed: str, name: str) -> str:
    """What ``typed`` says besides ``name`` (width and case aside), or all of it."""
    text = unicodedata.normalize("NFKC", typed)
    wanted = unicodedata.normalize("NFKC", name).casefold()
    start = text.casefold().find(wanted)
    if start < 0:
        return typed.strip()
    return (text[:start] + text[start + len(wanted) :]).strip()


def _contained(name: str, known: list[Organisation]) -> list[Organisation]:
    key = names.name_key(name)
    return [
        o
        for o in known
        if len(names.name_key(o.name)) >= _MIN_CONTAINED_KEY and names.name_key(o.name) in key
    ]


# --- profiles and their history ----------------------------------------------------------


@dataclass(frozen=True)
class LecturerView:
    """A lecturer's profile as it held on some day."""

    user_id: int
    display_name: str
    qualification: str
    registration_number: str
    affiliations: list[dict[str, Any]] = field(default_factory=list)
    valid_from: date | None = None


def _view_of_profile(user: User, profile: LecturerProfile) -> LecturerView:
    return LecturerView(
        user_id=user.id,
        display_name=user.display_name,
        qualification=profile.qualification,
        registration_number=profile.registration_number,
        affiliations=list(profile.affiliations or []),
        valid_from=profile.valid_from,
    )


def _view_of_version(version: LecturerProfileVersion) -> LecturerView:
    return LecturerView(
        user_id=version.user_id,
        display_name=version.display_name,
        qualification=version.qualification,
        registration_number=version.registration_number,
        affiliations=list(version.affiliations or []),
        valid_from=version.valid_from,
    )


def view_on(current: LecturerView, earlier: list[LecturerView], day: date) -> LecturerView:
    """The version that held on ``day``: the current one from its start on, else the latest
    earlier one that had started (one without a start holds from the beginning). ``earlier``
    is in the order the versions were written."""
    if current.valid_from is None or day >= current.valid_from:
        return current
    started = [v for v in earlier if v.valid_from is None or v.valid_from <= day]
    if not started:
        return earlier[0] if earlier else current
    # The latest start wins; of two with the same start, the one written later.
    return max(enumerate(started), key=lambda pair: (pair[1].valid_from or date.min, pair[0]))[1]


def lecturers_on(
    session: Session, wanted: Iterable[tuple[int, date]]
) -> dict[tuple[int, date], LecturerView]:
    """{(lecturer id, day): the lecturer's profile that held that day} for lecturers with a
    profile; others are left out."""
    pairs = set(wanted)
    ids = {user_id for user_id, _day in pairs}
    rows = session.execute(
        select(User, LecturerProfile)
        .join(LecturerProfile, LecturerProfile.user_id == User.id)
        .where(User.id.in_(ids))
    ).all()
    current = {user.id: _view_of_profile(user, profile) for user, profile in rows}
    earlier: dict[int, list[LecturerView]] = {}
    for version in session.scalars(
        select(LecturerProfileVersion)
        .where(LecturerProfileVersion.user_id.in_(ids))
        .order_by(LecturerProfileVersion.id)
    ):
        earlier.setdefault(version.user_id, []).append(_view_of_version(version))
    return {
        (user_id, day): view_on(current[user_id], earlier.get(user_id, []), day)
        for user_id, day in pairs
        if user_id in current
    }


@dataclass
class LecturerHistory:
    user: User
    current: LecturerView
    earlier: list[LecturerView]  # newest first


def _lecturer(session: Session, actor: Principal, user_id: int) -> tuple[User, LecturerProfile]:
    actor.require("admin")
    user = session.get(User, user_id)
    profile = session.get(LecturerProfile, user_id) if user is not None else None
    if user is None or profile is None:
        raise NotALecturer()
    return user, profile


def history(session: Session, actor: Principal, user_id: int) -> LecturerHistory:
    """The lecturer's current profile and every earlier version (admins only)."""
    user, profile = _lecturer(session, actor, user_id)
    versions = session.scalars(
        select(LecturerProfileVersion)
        .where(LecturerProfileVersion.user_id == user.id)
        .order_by(LecturerProfileVersion.id.desc())
    )
    return LecturerHistory(
        user, _view_of_profile(user, profile), [_view_of_version(v) for v in versions]
    )


def today_in_japan() -> date:
    return utcnow().astimezone(JAPAN).date()


def update_profile(
    session: Session,
    actor: Principal,
    user_id: int,
    *,
    valid_from: date | None = None,
    display_name: str | None = None,
    qualification: str | None = None,
    registration_number: str | None = None,
    affiliations: list[dict[str, Any]] | None = None,
) -> LecturerHistory:
    """Change a lecturer's profile from ``valid_from`` (default: today in Japan) on; the
    version it replaces is kept for the days before. Admins only."""
    user, profile = _lecturer(session, actor, user_id)
    valid_from = valid_from or today_in_japan()
    if profile.valid_from is not None and valid_from < profile.valid_from:
        raise ProfileDateTooEarly(current=profile.valid_from.isoformat())
    if qualification is not None and qualification not in QUALIFICATIONS:
        raise InvalidInput(
            N_("A lecturer needs a qualification: {choices}."), choices=", ".join(QUALIFICATIONS)
        )
    new_affiliations = (
        resolve_affiliations(session, affiliations) if affiliations is not None else None
    )
    before = _view_of_profile(user, profile)
    session.add(
        LecturerProfileVersion(
            user_id=user.id,
            valid_from=before.valid_from,
            display_name=before.display_name,
            qualification=before.qualification,
            registration_number=before.registration_number,
            affiliations=before.affiliations,
            replaced_by_id=actor.user_id,
        )
    )
    changes = audit.apply_changes(
        profile,
        {
            "qualification": qualification,
            "registration_number": registration_number,
            "affiliations": new_affiliations,
            "valid_from": valid_from,
        },
    )
    changes.update(audit.apply_changes(user, {"display_name": display_name}))
    session.flush()
    audit.record(
        session,
        actor,
        action="update",
        entity="lecturer",
        entity_id=user.id,
        cooperative_id=None,
        summary=N_("Lecturer profile of {name} changed from {day}"),
        params={"name": user.display_name, "day": valid_from.isoformat()},
        changes=changes,
    )
    return history(session, actor, user_id)
