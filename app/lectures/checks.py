"""What scheduling checks before a lecture is saved: whatever may keep it from counting.

Each finding is a warning, not a refusal: staff may save anyway, but only by acknowledging
them (the audit log keeps what was acknowledged). Checked for every cohort of the lecture:
the lecturer's qualification and independence, the post-entry training period, the work
start and arrival dates, other lectures of the cohort at the same time, and languages with
neither a complete deck nor an interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.lecturers import lecturers_on
from app.accounts.models import Cooperative, Employer, User
from app.accounts.names import name_key
from app.clock import JAPAN
from app.cohorts.models import Cohort, Trainee
from app.courses.definitions import CourseDefinition
from app.courses.models import RevisionLanguage
from app.i18n import N_
from app.languages import LanguageTag
from app.lectures.errors import LectureWarning
from app.lectures.models import Interpreter, Lecture, LectureCohort
from app.records.compliance import affiliations_on


@dataclass(frozen=True)
class Plan:
    """What a lecture would be once saved: the facts the checks look at."""

    lecturer: User
    cohorts: list[Cohort]
    start: datetime
    end: datetime
    revision_id: int
    interpreter_languages: set[str]
    lecture_id: int | None = None  # the lecture being changed (not an overlap of itself)

    @property
    def day(self) -> date:
        return self.start.astimezone(JAPAN).date()


def affiliation_with(session: Session, lecturer: User, cohort: Cohort, day: date) -> str | None:
    """The organisation of the cohort (its cooperative or a trainee's employer) the lecturer
    belongs to on ``day``, by name; None when the lecturer is independent of the cohort.

    An affiliation links to a cooperative or employer by id, or names one: a name is matched
    against the cohort's cooperative and employers as the import matches employers (width,
    spaces, case and the ㈱ forms do not matter). The profile is the one that held on ``day``.
    """
    profile = lecturers_on(session, {(lecturer.id, day)}).get((lecturer.id, day))
    if profile is None:
        return None
    cooperative = session.get(Cooperative, cohort.cooperative_id)
    employers = list(
        session.scalars(
            select(Employer).where(
                Employer.id.in_(
                    select(Trainee.employer_id).where(
                        Trainee.cohort_id == cohort.id, Trainee.employer_id.is_not(None)
                    )
                )
            )
        )
    )
    organisations = [("cooperative_id", cooperative)] if cooperative else []
    organisations += [("employer_id", employer) for employer in employers]
    for affiliation in affiliations_on(list(profile.affiliations or []), day):
        name = name_key(str(affiliation.get("name") or ""))
        for key, organisation in organisations:
            if affiliation.get(key) == organisation.id or (
                name and name == name_key(organisation.name)
            ):
                return organisation.name
    return None


def _lecturer_warnings(
    session: Session, definition: CourseDefinition, plan: Plan
) -> list[LectureWarning]:
    found = []
    profile = lecturers_on(session, {(plan.lecturer.id, plan.day)}).get(
        (plan.lecturer.id, plan.day)
    )
    qualification = profile.qualification if profile else "other"
    if qualification not in definition.eligible_qualifications:
        found.append(
            LectureWarning(
                "lecturer-not-qualified",
                N_(
                    "{lecturer}'s qualification may not teach this course: the lecture would "
                    "not count."
                ),
                {"lecturer": plan.lecturer.display_name},
            )
        )
    if definition.lecturer_must_be_independent:
        for cohort in plan.cohorts:
            organisation = affiliation_with(session, plan.lecturer, cohort, plan.day)
            if organisation is not None:
                found.append(
                    LectureWarning(
                        "lecturer-not-independent",
                        N_(
                            "{lecturer} belongs to {organisation}, the cooperative or an "
                            "employer of cohort {cohort}: the lecture would not count for it."
                        ),
                        {
                            "lecturer": plan.lecturer.display_name,
                            "organisation": organisation,
                            "cohort": cohort.name,
                        },
                        cohort.id,
                    )
                )
    return found


def _date_warnings(cohort: Cohort, day: date) -> list[LectureWarning]:
    found = []
    where = {"day": day.isoformat(), "cohort": cohort.name}
    start, end = cohort.training_start, cohort.training_end
    if (start and day < start) or (end and day > end):
        found.append(
            LectureWarning(
                "outside-training-period",
                N_(
                    "The lecture on {day} is outside the post-entry training of cohort {cohort} "
                    "({start} – {end}): it would not count."
                ),
                {**where, "start": start or "—", "end": end or "—"},
                cohort.id,
            )
        )
    if cohort.work_start and day >= cohort.work_start:
        found.append(
            LectureWarning(
                "after-work-start",
                N_(
                    "The lecture on {day} is on or after the work start of cohort {cohort} "
                    "({work_start}): the lecture must come before work starts."
                ),
                {**where, "work_start": cohort.work_start.isoformat()},
                cohort.id,
            )
        )
    if cohort.arrival_date and day < cohort.arrival_date:
        found.append(
            LectureWarning(
                "before-arrival",
                N_("The lecture on {day} is before cohort {cohort} arrives in Japan ({arrival})."),
                {**where, "arrival": cohort.arrival_date.isoformat()},
                cohort.id,
            )
        )
    return found


def _overlap_warnings(session: Session, plan: Plan) -> list[LectureWarning]:
    found = []
    for cohort in plan.cohorts:
        query = (
            select(Lecture)
            .join(LectureCohort, LectureCohort.lecture_id == Lecture.id)
            .where(
                LectureCohort.cohort_id == cohort.id,
                Lecture.status != "cancelled",
                Lecture.scheduled_start < plan.end,
                Lecture.scheduled_end > plan.start,
            )
            .order_by(Lecture.scheduled_start)
        )
        if plan.lecture_id is not None:
            query = query.where(Lecture.id != plan.lecture_id)
        for other in session.scalars(query):
            start = other.scheduled_start.astimezone(JAPAN)
            end = other.scheduled_end.astimezone(JAPAN)
            found.append(
                LectureWarning(
                    "overlapping-lecture",
                    N_("Cohort {cohort} already has a lecture at that time: {other}."),
                    {
                        "cohort": cohort.name,
                        "other": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} {other.title}",
                    },
                    cohort.id,
                )
            )
    return found


def _language_warnings(
    session: Session, definition: CourseDefinition, plan: Plan
) -> list[LectureWarning]:
    complete = set(
        session.scalars(
            select(RevisionLanguage.language).where(
                RevisionLanguage.revision_id == plan.revision_id,
                RevisionLanguage.status == "complete",
            )
        )
    )
    covered = complete | plan.interpreter_languages | {definition.master_language}
    found = []
    for cohort in plan.cohorts:
        spoken = set(cohort.languages or []) | set(
            session.scalars(
                select(Trainee.preferred_language).where(Trainee.cohort_id == cohort.id).distinct()
            )
        )
        for language in sorted(spoken - covered):
            found.append(
                LectureWarning(
                    "language-without-deck",
                    N_(
                        "Cohort {cohort} has trainees who read {language}, but the lecture has "
                        "neither a complete deck nor an interpreter in it."
                    ),
                    {"cohort": cohort.name, "language": LanguageTag(language)},
                    cohort.id,
                )
            )
    return found


def warnings_for(
    session: Session, definition: CourseDefinition, plan: Plan
) -> list[LectureWarning]:
    """Everything that may keep the planned lecture from counting, for each of its cohorts."""
    found = _lecturer_warnings(session, definition, plan)
    for cohort in plan.cohorts:
        found += _date_warnings(cohort, plan.day)
    found += _overlap_warnings(session, plan)
    found += _language_warnings(session, definition, plan)
    return found


def plan_of(session: Session, lecture: Lecture) -> Plan:
    """The saved lecture as a plan, to check it again."""
    cohort_ids = select(LectureCohort.cohort_id).where(LectureCohort.lecture_id == lecture.id)
    return Plan(
        lecturer=session.get_one(User, lecture.lecturer_id),
        cohorts=list(session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))),
        start=lecture.scheduled_start,
        end=lecture.scheduled_end,
        revision_id=lecture.revision_id,
        interpreter_languages=set(
            session.scalars(
                select(Interpreter.language).where(Interpreter.lecture_id == lecture.id)
            )
        ),
        lecture_id=lecture.id,
    )


def audit_changes(warnings: list[LectureWarning]) -> dict[str, object]:
    """What the audit log keeps of acknowledged warnings."""
    if not warnings:
        return {}
    return {
        "warnings_acknowledged": [f"{w.code}: {w.text('ja')}" for w in warnings],
    }
