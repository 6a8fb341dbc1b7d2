"""Cohorts and trainees of one cooperative, their import from spreadsheets, and PINs.

Every query goes through ``app.accounts.tenancy`` so a caller reaches only their own
cooperative's rows.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts import access as capabilities
from app.accounts import security
from app.accounts import service as accounts
from app.accounts.access import Capability
from app.accounts.errors import EmployerNotFound
from app.accounts.models import Cooperative, Employer, User
from app.accounts.names import match, name_key
from app.accounts.tenancy import Principal, owned, target_cooperative
from app.audit import service as audit
from app.cohorts import access, languages
from app.cohorts.errors import (
    CohortNameTaken,
    CohortNotEmpty,
    DatesNeedReason,
    InvalidDates,
    LanguageNotInCohort,
    TraineeHasRecords,
    TraineeNumberTaken,
)
from app.cohorts.models import Cohort, Trainee
from app.cohorts.spreadsheet import ParsedSheet, RowError, TraineeRow, parse_trainee_file
from app.db import Base, utcnow
from app.errors import InvalidInput
from app.hygiene import text_problem
from app.i18n import N_, gettext
from app.languages import LanguageTag, LanguageTags, is_known
from app.lectures.models import (
    AttendanceRecord,
    PresenceInterval,
    QuizAnswer,
    RosterEntry,
)
from app.study.models import StudySession

TRAINEE_FIELDS = (
    "family_name",
    "given_name",
    "name_katakana",
    "nationality",
    "preferred_language",
    "date_of_birth",
    "trainee_number",
)


def _check_dates(fields: dict[str, Any]) -> None:
    start, end, work = (
        fields.get("training_start"),
        fields.get("training_end"),
        fields.get("work_start"),
    )
    arrival = fields.get("arrival_date")
    if start and end and end < start:
        raise InvalidDates(reason=N_("the training ends before it starts."))
    if end and work and work <= end:
        raise InvalidDates(reason=N_("work must start after the post-entry training ends."))
    if arrival and start and start < arrival:
        raise InvalidDates(reason=N_("the training starts before the arrival date."))
    programme_end = fields.get("programme_end")
    if arrival and programme_end and programme_end < arrival:
        raise InvalidDates(reason=N_("the programme ends before the arrival date."))
    for language in fields.get("languages") or []:
        if not is_known(language):
            raise InvalidDates(reason=f"unknown language {language}")


def create_cohort(
    session: Session, principal: Principal, *, cooperative_id: int | None = None, **fields: Any
) -> Cohort:
    owner = target_cooperative(principal, cooperative_id)
    accounts.get_cooperative(session, principal, owner)
    _check_dates(fields)
    if "fallback_languages" in fields:
        fields["fallback_languages"] = languages.checked(fields["fallback_languages"]) or []
    if session.scalar(
        select(Cohort.id).where(Cohort.cooperative_id == owner, Cohort.name == fields["name"])
    ):
        raise CohortNameTaken(name=fields["name"])
    cohort = Cohort(cooperative_id=owner, retention_end=fields.get("programme_end"), **fields)
    session.add(cohort)
    session.flush()
    audit.record(
        session,
        principal,
        action="create",
        entity="cohort",
        entity_id=cohort.id,
        cooperative_id=owner,
        summary=cohort.name,
        changes={k: str(v) for k, v in fields.items()},
    )
    return cohort


def list_cohorts(session: Session, principal: Principal) -> list[Cohort]:
    return list(
        session.scalars(owned(principal, Cohort).order_by(Cohort.arrival_date.desc(), Cohort.name))
    )


def get_cohort(session: Session, principal: Principal, cohort_id: int) -> Cohort:
    return access.owned_cohort(session, principal, cohort_id)


DATE_FIELDS = ("arrival_date", "training_start", "training_end", "work_start", "programme_end")


def has_records(session: Session, cohort: Cohort) -> bool:
    """Whether anything of the cohort's trainees is recorded: attendance, presence, answers,
    self-study. Its dates then change only with a reason."""
    trainees = select(Trainee.id).where(Trainee.cohort_id == cohort.id)
    return any(
        session.scalar(select(model.id).where(model.trainee_id.in_(trainees)).limit(1)) is not None
        for model in (AttendanceRecord, RosterEntry, PresenceInterval, QuizAnswer, StudySession)
    )


def update_cohort(
    session: Session, principal: Principal, cohort_id: int, *, reason: str = "", **fields: Any
) -> Cohort:
    """Change a cohort; once records exist, changed dates need a ``reason`` (audited).

    No change shortens how long records are kept: ``retention_end`` keeps the latest
    programme end ever recorded, and purging waits for it (``app.records.service``).
    """
    cohort = get_cohort(session, principal, cohort_id)
    merged = {key: getattr(cohort, key) for key in (*DATE_FIELDS, "languages")}
    merged.update({k: v for k, v in fields.items() if v is not None})
    _check_dates(merged)
    moved = [key for key in DATE_FIELDS if merged[key] != getattr(cohort, key)]
    if moved and not reason.strip() and has_records(session, cohort):
        raise DatesNeedReason()
    if fields.get("fallback_languages") is not None:
        fields["fallback_languages"] = languages.checked(fields["fallback_languages"])
    if (
        fields.get("name")
        and fields["name"] != cohort.name
        and session.scalar(
            select(Cohort.id).where(
                Cohort.cooperative_id == cohort.cooperative_id, Cohort.name == fields["name"]
            )
        )
    ):
        raise CohortNameTaken(name=fields["name"])
    changes = audit.apply_changes(cohort, fields)
    ends = [end for end in (cohort.retention_end, cohort.programme_end) if end]
    if max(ends, default=None) != cohort.retention_end:
        changes["retention_end"] = [str(cohort.retention_end), str(max(ends))]
        cohort.retention_end = max(ends)
    if moved and reason.strip():
        changes["reason"] = reason.strip()
    audit.record(
        session,
        principal,
        action="update",
        entity="cohort",
        entity_id=cohort.id,
        cooperative_id=cohort.cooperative_id,
        summary=cohort.name,
        changes=changes,
    )
    return cohort


def delete_cohort(session: Session, principal: Principal, cohort_id: int) -> None:
    cohort = get_cohort(session, principal, cohort_id)
    count = session.scalar(select(func.count(Trainee.id)).where(Trainee.cohort_id == cohort.id))
    if count:
        raise CohortNotEmpty(count=count)
    audit.record(
        session,
        principal,
        action="delete",
        entity="cohort",
        entity_id=cohort.id,
        cooperative_id=cohort.cooperative_id,
        summary=cohort.name,
    )
    session.delete(cohort)
    session.flush()


def list_trainees(session: Session, principal: Principal, cohort_id: int) -> list[Trainee]:
    cohort = get_cohort(session, principal, cohort_id)
    return list(
        session.scalars(
            select(Trainee).where(Trainee.cohort_id == cohort.id).order_by(Trainee.trainee_number)
        )
    )


def get_trainee(session: Session, principal: Principal, trainee_id: int) -> Trainee:
    return access.owned_trainee(session, principal, trainee_id)


def trainee_for_user(session: Session, user_id: int) -> Trainee | None:
    return session.scalar(select(Trainee).where(Trainee.user_id == user_id))


def login_codes(session: Session, cohort_id: int) -> dict[int, str]:
    """{user id: login code} of a cohort's trainees (the caller has checked the cohort)."""
    rows = session.execute(
        select(User.id, User.login_code).where(
            User.id.in_(select(Trainee.user_id).where(Trainee.cohort_id == cohort_id))
        )
    ).all()
    return {user_id: code or "" for user_id, code in rows}


def _new_login_code(session: Session) -> str:
    while True:
        code = security.new_login_code()
        if not session.scalar(select(User.id).where(User.login_code == code)):
            return code


def _employer_id(
    session: Session, principal: Principal, cooperative_id: int, name: str
) -> int | None:
    """The employer of that name (once normalised), created when the cooperative has none."""
    if not name:
        return None
    known = accounts.employer_matches(session, cooperative_id, name)
    if known and known[0].exact:
        return known[0].item.id
    return accounts.create_employer(session, principal, cooperative_id=cooperative_id, name=name).id


def add_trainee(
    session: Session,
    principal: Principal,
    cohort: Cohort,
    row: TraineeRow,
    *,
    employer_id: int | None = None,
) -> Trainee:
    """Create a trainee and their login (a code; no PIN until cards are printed).

    The employer is ``employer_id`` when given, else the one ``row.employer`` names."""
    if session.scalar(
        select(Trainee.id).where(
            Trainee.cooperative_id == cohort.cooperative_id,
            Trainee.trainee_number == row.trainee_number,
        )
    ):
        raise TraineeNumberTaken(number=row.trainee_number)
    user = User(
        role="trainee",
        cooperative_id=cohort.cooperative_id,
        display_name=f"{row.family_name} {row.given_name}",
        login_code=_new_login_code(session),
        ui_language=row.preferred_language,
    )
    session.add(user)
    session.flush()
    trainee = Trainee(
        cooperative_id=cohort.cooperative_id,
        cohort_id=cohort.id,
        user_id=user.id,
        employer_id=employer_id
        if employer_id is not None
        else _employer_id(session, principal, cohort.cooperative_id, row.employer),
        **{field: getattr(row, field) for field in TRAINEE_FIELDS},
    )
    session.add(trainee)
    session.flush()
    audit.record(
        session,
        principal,
        action="create",
        entity="trainee",
        entity_id=trainee.id,
        cooperative_id=cohort.cooperative_id,
        summary=f"{row.trainee_number} {user.display_name}",
    )
    return trainee


NO_FILE = N_("Choose a CSV or XLSX file to import.")


def _unsafe_field(row: TraineeRow) -> str | None:
    """The first text field of the row that breaks app.hygiene's rules, or None."""
    for field in (*TRAINEE_FIELDS, "employer"):
        value = getattr(row, field)
        if isinstance(value, str) and text_problem(value):
            return field
    return None


def _same(trainee: Trainee, employer_id: int | None, row: TraineeRow) -> bool:
    return (
        all(getattr(trainee, f) == getattr(row, f) for f in TRAINEE_FIELDS)
        and trainee.employer_id == employer_id
    )


LANGUAGE_NOT_IN_COHORT = N_(
    'Row {row}: language "{value}" is not one of this cohort\'s languages ({languages}). '
    "Correct the row, or add the language to the cohort first."
)


@dataclass
class EmployerPlan:
    """How the employers a file names are taken: known ones by their id (found by normalised
    name), unknown ones listed, to be created only when the caller confirms them."""

    ids: dict[str, int]  # name key -> known employer
    matched: dict[str, tuple[str, str, list[int]]]  # key -> (as written, as registered, rows)
    new: dict[str, tuple[str, str | None, list[int]]]  # key -> (as written, suggestion, rows)

    def employer_id(self, name: str) -> int | None:
        return self.ids.get(name_key(name)) if name else None

    def unconfirmed(self, confirmed: set[str]) -> list[str]:
        return [key for key in self.new if key not in confirmed]

    def report(self) -> dict[str, Any]:
        return {
            "new_employers": [
                {"name": name, "suggestion": suggestion, "rows": rows}
                for name, suggestion, rows in self.new.values()
            ],
            "matched_employers": [
                {"name": name, "employer": known, "rows": rows}
                for name, known, rows in self.matched.values()
            ],
        }


def plan_employers(session: Session, cooperative_id: int, rows: list[TraineeRow]) -> EmployerPlan:
    """Match each employer named in ``rows`` to the cooperative's employers."""
    known = [(e.name, e) for e in accounts.employers_of(session, cooperative_id)]
    plan = EmployerPlan({}, {}, {})
    for row in rows:
        if not row.employer:
            continue
        key = name_key(row.employer)
        if key in plan.ids:
            if key in plan.matched:
                plan.matched[key][2].append(row.row)
            continue
        if key in plan.new:
            plan.new[key][2].append(row.row)
            continue
        matches = match(row.employer, known)
        if matches and matches[0].exact:
            employer = matches[0].item
            plan.ids[key] = employer.id
            if employer.name != row.employer:
                plan.matched[key] = (row.employer, employer.name, [row.row])
        else:
            suggestion = matches[0].item.name if matches else None
            plan.new[key] = (row.employer, suggestion, [row.row])
    return plan


def import_trainees(
    session: Session,
    principal: Principal,
    cohort_id: int,
    *,
    data: bytes | None,
    filename: str,
    valid_only: bool = False,
    create_employers: list[str] | None = None,
    language: str = "ja",
) -> dict[str, Any]:
    """Import a cohort's trainee list; return a report of what was added, unchanged or wrong.

    Nothing is imported from a file with errors unless ``valid_only``; then the valid rows
    are. ``data`` None (no file was sent) is reported like a file that cannot be read. Rows
    already in the cohort with the same data are left as they are, so importing the same
    file twice changes nothing.

    Employers are matched by normalised name (width, spaces, ㈱). One the cooperative does
    not have is created only when its name is in ``create_employers``; until every such
    name is, nothing is written and the report (status ``confirm``) lists them, each with a
    registered name it probably is a typo of.
    """
    cohort = get_cohort(session, principal, cohort_id)
    parsed: ParsedSheet = (
        parse_trainee_file(data, filename)
        if data is not None
        else ParsedSheet(
            rows=[], errors=[RowError(None, None, "no-file", NO_FILE, {})], total_rows=0
        )
    )
    errors: list[RowError] = list(parsed.errors)
    existing = {
        t.trainee_number: t
        for t in session.scalars(
            select(Trainee).where(Trainee.cooperative_id == cohort.cooperative_id)
        )
    }
    plan = plan_employers(session, cohort.cooperative_id, parsed.rows)
    to_add: list[TraineeRow] = []
    unchanged: list[int] = []
    for row in parsed.rows:
        unsafe = _unsafe_field(row)
        if unsafe is not None:
            errors.append(
                RowError(
                    row=row.row,
                    column=unsafe,
                    code="control-characters",
                    message=N_(
                        "Row {row}: {column} contains control characters (such as a line "
                        "break) or direction overrides, which a name cannot have."
                    ),
                    params={"row": row.row, "column": unsafe},
                )
            )
            continue
        if cohort.languages and row.preferred_language not in cohort.languages:
            errors.append(
                RowError(
                    row=row.row,
                    column="preferred_language",
                    code="language-not-in-cohort",
                    message=LANGUAGE_NOT_IN_COHORT,
                    params={
                        "row": row.row,
                        "value": row.preferred_language,
                        "languages": ", ".join(cohort.languages),
                    },
                )
            )
            continue
        known = existing.get(row.trainee_number)
        if known is None:
            to_add.append(row)
        elif known.cohort_id == cohort.id and _same(known, plan.employer_id(row.employer), row):
            unchanged.append(row.row)
        else:
            errors.append(
                RowError(
                    row=row.row,
                    column="trainee_number",
                    code="duplicate-in-cooperative",
                    message=N_(
                        "Row {row}: trainee number {value} is already registered in this "
                        "cooperative with different details."
                    ),
                    params={"row": row.row, "value": row.trainee_number},
                )
            )
    file_level = any(error.row is None for error in errors)
    blocked = file_level or (errors and not valid_only)
    # Only employers of rows that would be added need creating (and are listed).
    plan = plan_employers(session, cohort.cooperative_id, to_add)
    confirmed = {name_key(name) for name in create_employers or []}
    waiting = not blocked and bool(plan.unconfirmed(confirmed))
    added: list[Trainee] = []
    if not blocked and not waiting:
        for key, (name, _suggestion, _rows) in plan.new.items():
            plan.ids[key] = accounts.create_employer(
                session, principal, cooperative_id=cohort.cooperative_id, name=name
            ).id
        added = [
            add_trainee(session, principal, cohort, row, employer_id=plan.employer_id(row.employer))
            for row in to_add
        ]
        if added:
            audit.record(
                session,
                principal,
                action="create",
                entity="import",
                entity_id=cohort.id,
                cooperative_id=cohort.cooperative_id,
                summary=N_("{file}: {count} trainees imported"),
                params={"file": filename, "count": len(added)},
                changes={"file": filename, "added": len(added)},
            )
    status = (
        "rejected" if blocked else "confirm" if waiting else ("partial" if errors else "imported")
    )
    return {
        **plan.report(),
        "status": status,
        "cohort_id": cohort.id,
        "filename": filename,
        "total_rows": parsed.total_rows,
        "added": [
            {
                "id": trainee.id,
                "row": row.row,
                "trainee_number": trainee.trainee_number,
                "name": f"{trainee.family_name} {trainee.given_name}",
            }
            for trainee, row in zip(added, to_add, strict=False)
        ],
        "would_add": len(to_add) if blocked or waiting else 0,
        "unchanged_rows": unchanged,
        "errors": [
            {
                **{k: v for k, v in asdict(error).items() if k != "message"},
                "message": error.text(language),
            }
            for error in sorted(errors, key=lambda e: (e.row or 0, e.column or ""))
        ],
    }


def issue_pins(
    session: Session, principal: Principal, cohort_id: int, trainee_ids: list[int] | None = None
) -> list[tuple[Trainee, str, str]]:
    """Give trainees new PINs for printed login cards; old cards and sessions stop working.

    Returns (trainee, login code, PIN) once; PINs are stored only as argon2 hashes.
    """
    capabilities.require(principal, Capability.ISSUE_SECRETS)
    trainees = list_trainees(session, principal, cohort_id)
    if trainee_ids is not None:
        wanted = set(trainee_ids)
        trainees = [t for t in trainees if t.id in wanted]
    users = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_([t.user_id for t in trainees])))
    }
    cards = []
    for trainee in trainees:
        user = users[trainee.user_id]
        pin = security.new_pin()
        user.secret_hash = security.hash_secret(pin)
        user.secret_changed_at = utcnow()
        accounts.end_sessions(session, user.id)
        cards.append((trainee, user.login_code or "", pin))
    if cards:
        audit.record(
            session,
            principal,
            action="reset",
            entity="pin",
            entity_id=cohort_id,
            cooperative_id=trainees[0].cooperative_id,
            summary=N_("Login cards printed for {count} trainees"),
            params={"count": len(cards)},
        )
    return cards


_FORMULA_START = ("=", "+", "-", "@")


def _blank(char: str) -> bool:
    """Characters a spreadsheet skips before a formula: spaces, controls, invisible marks."""
    return unicodedata.category(char)[0] in ("Z", "C") or char.isspace()


def spreadsheet_safe(value: object) -> str:
    """Text for a CSV/XLSX cell that a spreadsheet will never run as a formula.

    A formula sign counts behind anything a spreadsheet skips first (spaces of any width,
    tabs, line feeds, other control and invisible characters), and typed full width
    (＝＋－＠); a value that starts with a control character is written inert too.
    """
    text = "" if value is None else str(value)
    head = "".join(itertools.dropwhile(_blank, unicodedata.normalize("NFKC", text)))
    starts_blank = bool(text) and unicodedata.category(text[0]) == "Cc"
    return "'" + text if starts_blank or head.startswith(_FORMULA_START) else text


def trainees_csv(session: Session, principal: Principal, cohort_id: int, language: str) -> str:
    """The cohort's trainee list as CSV (UTF-8 with BOM, so Excel in Japan opens it right)."""
    trainees = list_trainees(session, principal, cohort_id)
    employers = {e.id: e.name for e in accounts.list_employers(session, principal)}
    codes = login_codes(session, cohort_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            gettext(language, label)
            for label in (
                N_("trainee number"),
                N_("family name"),
                N_("given name"),
                N_("katakana"),
                N_("nationality"),
                N_("language"),
                N_("date of birth"),
                N_("employer"),
                N_("login code"),
            )
        ]
    )
    for t in trainees:
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    t.trainee_number,
                    t.family_name,
                    t.given_name,
                    t.name_katakana,
                    t.nationality,
                    t.preferred_language,
                    t.date_of_birth.isoformat(),
                    employers.get(t.employer_id or 0, ""),
                    codes.get(t.user_id, ""),
                )
            ]
        )
    return "\ufeff" + out.getvalue()


def _check_language(cohort: Cohort, language: str | None) -> None:
    if not language:
        return
    if not is_known(language):
        raise InvalidDates(reason=f"unknown language {language}")
    if cohort.languages and language not in cohort.languages:
        raise LanguageNotInCohort(
            language=LanguageTag(language), languages=LanguageTags(cohort.languages)
        )


def _employer_of(
    session: Session, principal: Principal, cohort: Cohort, employer_id: int | None
) -> int | None:
    """The employer id, checked to be of the cohort's cooperative."""
    if employer_id is None:
        return None
    employer = accounts.get_employer(session, principal, employer_id)
    if employer.cooperative_id != cohort.cooperative_id:
        raise EmployerNotFound()
    return employer.id


def create_trainee(
    session: Session,
    principal: Principal,
    cohort_id: int,
    *,
    employer_id: int | None = None,
    **fields: Any,
) -> Trainee:
    """Add one trainee to a cohort, as a row of a list would (audited)."""
    capabilities.require(principal, Capability.MANAGE_COHORTS)
    cohort = get_cohort(session, principal, cohort_id)
    employer_id = _employer_of(session, principal, cohort, employer_id)
    _check_language(cohort, fields.get("preferred_language"))
    fields["nationality"] = str(fields.get("nationality") or "").upper()
    if not fields.get("date_of_birth") or not re.fullmatch(r"[A-Z]{2}", fields["nationality"]):
        raise InvalidInput(
            N_("A trainee needs a nationality (two-letter code) and a date of birth.")
        )
    row = TraineeRow(row=0, employer="", **{f: fields[f] for f in TRAINEE_FIELDS})
    if _unsafe_field(row) is not None:
        raise InvalidInput(N_("{column} contains control characters."), column=_unsafe_field(row))
    return add_trainee(
        session,
        principal,
        cohort,
        row,
        employer_id=employer_id,
    )


def update_trainee(
    session: Session, principal: Principal, trainee_id: int, **fields: Any
) -> Trainee:
    trainee = get_trainee(session, principal, trainee_id)
    if fields.get("employer_id") is not None:
        employer = accounts.get_employer(session, principal, fields["employer_id"])
        if employer.cooperative_id != trainee.cooperative_id:
            raise EmployerNotFound()
    _check_language(
        get_cohort(session, principal, trainee.cohort_id), fields.get("preferred_language")
    )
    number = fields.get("trainee_number")
    if (
        number
        and number != trainee.trainee_number
        and session.scalar(
            select(Trainee.id).where(
                Trainee.cooperative_id == trainee.cooperative_id, Trainee.trainee_number == number
            )
        )
    ):
        raise TraineeNumberTaken(number=number)
    fallbacks = languages.checked(fields.pop("fallback_languages", None))
    if fallbacks is not None:  # [] gives the trainee the cohort's fallback languages again
        own = fallbacks or None
        if trainee.fallback_languages != own:
            audit.record(
                session,
                principal,
                action="update",
                entity="trainee",
                entity_id=trainee.id,
                cooperative_id=trainee.cooperative_id,
                summary=trainee.trainee_number,
                changes={"fallback_languages": [str(trainee.fallback_languages), str(own)]},
            )
            trainee.fallback_languages = own
    audit.update(
        session,
        principal,
        trainee,
        fields,
        entity="trainee",
        cooperative_id=trainee.cooperative_id,
        summary_field="trainee_number",
    )
    return trainee


# --- employers ------------------------------------------------------------------------


def merge_employers(
    session: Session, principal: Principal, employer_id: int, into_id: int
) -> Employer:
    """Move every trainee of one employer to another of the same cooperative and remove the
    first (one company entered twice); returns the one kept."""
    capabilities.require(principal, Capability.MANAGE_COHORTS)
    merged = accounts.get_employer(session, principal, employer_id)
    kept = accounts.get_employer(session, principal, into_id)
    if kept.id == merged.id or kept.cooperative_id != merged.cooperative_id:
        raise InvalidInput(N_("An employer can only be merged into another of its cooperative."))
    moved = session.execute(
        update(Trainee).where(Trainee.employer_id == merged.id).values(employer_id=kept.id)
    ).rowcount
    audit.record(
        session,
        principal,
        action="delete",
        entity="employer",
        entity_id=merged.id,
        cooperative_id=merged.cooperative_id,
        summary=N_("{merged} merged into {kept} ({count} trainees moved)"),
        params={"merged": merged.name, "kept": kept.name, "count": moved},
        changes={"merged_into": kept.id, "trainees_moved": moved},
    )
    session.delete(merged)
    session.flush()
    return kept


def merge_trainees(
    session: Session, principal: Principal, trainee_id: int, into_id: int
) -> Trainee:
    """Remove a trainee registered twice, keeping the other registration (same cooperative).

    Only a duplicate with nothing recorded yet can go: records name the trainee they were
    written for. Its login stops working; returns the trainee kept."""
    capabilities.require(principal, Capability.MANAGE_COHORTS)
    duplicate = get_trainee(session, principal, trainee_id)
    kept = get_trainee(session, principal, into_id)
    if kept.id == duplicate.id or kept.cooperative_id != duplicate.cooperative_id:
        raise InvalidInput(N_("A trainee can only be merged into another of its cooperative."))
    for table in Base.metadata.sorted_tables:
        column = table.columns.get("trainee_id")
        if column is None or not any(
            fk.column.table.name == "trainees" for fk in column.foreign_keys
        ):
            continue
        if session.scalar(select(func.count()).select_from(table).where(column == duplicate.id)):
            raise TraineeHasRecords(number=duplicate.trainee_number)
    user = session.get(User, duplicate.user_id)
    audit.record(
        session,
        principal,
        action="delete",
        entity="trainee",
        entity_id=duplicate.id,
        cooperative_id=duplicate.cooperative_id,
        summary=N_("{merged} merged into {kept}"),
        params={"merged": duplicate.trainee_number, "kept": kept.trainee_number},
        changes={"merged_into": kept.id},
    )
    session.delete(duplicate)
    session.flush()
    if user is not None:
        accounts.end_sessions(session, user.id)
        user.active, user.login_code, user.secret_hash = False, None, None
    return kept


def employer_trainee_count(session: Session, employer_id: int) -> int:
    """How many trainees an employer has (the caller has checked the employer)."""
    return (
        session.scalar(select(func.count(Trainee.id)).where(Trainee.employer_id == employer_id))
        or 0
    )


# --- read-only views for the pages ------------------------------------------------------


@dataclass(frozen=True)
class TraineeListing:
    """A trainee as the cohort page lists them: with their login code and employer's name."""

    trainee: Trainee
    login_code: str
    employer: str


@dataclass(frozen=True)
class CohortOverview:
    cohort: Cohort
    cooperative: Cooperative
    trainees: list[TraineeListing]


def cohort_with_cooperative(
    session: Session, principal: Principal, cohort_id: int
) -> tuple[Cohort, Cooperative]:
    """The cohort and the cooperative it belongs to; CohortNotFound for another's cohort."""
    cohort = get_cohort(session, principal, cohort_id)
    return cohort, accounts.get_cooperative(session, principal, cohort.cooperative_id)


def cohort_overview(session: Session, principal: Principal, cohort_id: int) -> CohortOverview:
    """The cohort, its cooperative and its trainees with login codes and employers (read-only)."""
    cohort, cooperative = cohort_with_cooperative(session, principal, cohort_id)
    trainees = list_trainees(session, principal, cohort.id)
    codes = login_codes(session, cohort.id)
    employer_ids = {t.employer_id for t in trainees if t.employer_id is not None}
    employers = {
        e.id: e.name
        for e in session.scalars(
            select(Employer).where(
                Employer.id.in_(employer_ids), Employer.cooperative_id == cohort.cooperative_id
            )
        )
    }
    return CohortOverview(
        cohort=cohort,
        cooperative=cooperative,
        trainees=[
            TraineeListing(
                trainee=t,
                login_code=codes.get(t.user_id, ""),
                employer=employers.get(t.employer_id or 0, ""),
            )
            for t in trainees
        ],
    )
