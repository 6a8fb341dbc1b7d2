"""Whether a trainee has had the legal-protection lecture the course definition requires.

Pure: it takes facts (confirmed attendance per lecture, the lecture's lecturer, the cohort's
dates) and the course definition's rules, and returns a status with every reason in words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from app.courses.definitions import CourseDefinition
from app.i18n import N_, gettext

Status = Literal["complete", "in-progress", "problem"]


@dataclass(slots=True)  # not frozen: a cohort of 2,000 makes 80,000, and frozen ones cost
class LectureFact:  # twice as much to make
    """One lecture a trainee attended, with the confirmed minutes per statutory area."""

    lecture_id: int
    date: date
    delivery: str
    lecturer_name: str
    lecturer_qualification: str
    lecturer_affiliations: list[dict[str, Any]]
    minutes: dict[str, int]
    revision: int
    language: str


@dataclass(frozen=True)
class TraineeFacts:
    cooperative_id: int
    employer_id: int | None
    training_start: date | None
    training_end: date | None
    work_start: date | None
    lectures: list[LectureFact]
    self_study_minutes: dict[str, int] = field(default_factory=dict)
    quiz_answered: int = 0
    quiz_correct: int = 0


@dataclass(frozen=True)
class Reason:
    code: str
    message: str  # English template, translated when shown
    params: dict[str, Any] = field(default_factory=dict)
    blocking: bool = True  # a problem for the record, not only work still to do

    def text(self, language: str) -> str:
        params = {
            k: gettext(language, v) if k.endswith("_label") else v for k, v in self.params.items()
        }
        return gettext(language, self.message, **params)


@dataclass
class Compliance:
    status: Status
    minutes_by_area: dict[str, int]
    total_minutes: int
    counted_lectures: list[int]
    reasons: list[Reason]
    quiz_score: int | None  # percent
    quiz_passed: bool | None
    revisions: list[int]
    languages: list[str]
    # Lectures the trainee attended that do not count, with why (the record's 備考).
    excluded: dict[int, list[Reason]] = field(default_factory=dict)
    self_study_minutes: dict[str, int] = field(default_factory=dict)  # shown, counted only if
    # the course definition says so


def affiliations_on(affiliations: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The affiliations that held on ``day``: an affiliation may carry ISO ``since`` and
    ``until`` dates (inclusive); one without them holds on every day."""
    return [
        a
        for a in affiliations
        if (not a.get("since") or str(a["since"]) <= day.isoformat())
        and (not a.get("until") or day.isoformat() <= str(a["until"]))
    ]


def lecture_problems(
    definition: CourseDefinition, facts: TraineeFacts, lecture: LectureFact
) -> list[Reason]:
    """Why a lecture does not count for this trainee (empty when it counts)."""
    reasons = []
    where = {"lecture_date": lecture.date.isoformat(), "lecturer": lecture.lecturer_name}
    if lecture.delivery not in definition.delivery_modes_counted:
        reasons.append(
            Reason(
                "delivery-not-counted",
                N_(
                    "The lecture on {lecture_date} was not given live in a classroom or by two-way "
                    "video, so it does not count."
                ),
                where,
            )
        )
    if lecture.lecturer_qualification not in definition.eligible_qualifications:
        reasons.append(
            Reason(
                "lecturer-not-qualified",
                N_(
                    "The lecture on {lecture_date} was taught by {lecturer}, whose qualification may "
                    "not teach it; it does not count."
                ),
                where,
            )
        )
    if definition.lecturer_must_be_independent and any(
        (a.get("cooperative_id") is not None and a.get("cooperative_id") == facts.cooperative_id)
        or (a.get("employer_id") is not None and a.get("employer_id") == facts.employer_id)
        for a in affiliations_on(lecture.lecturer_affiliations, lecture.date)
    ):
        reasons.append(
            Reason(
                "lecturer-not-independent",
                N_(
                    "The lecture on {lecture_date} was taught by {lecturer}, who belongs to the "
                    "trainee's cooperative or employer; it does not count."
                ),
                where,
            )
        )
    before = facts.training_start is not None and lecture.date < facts.training_start
    after = facts.training_end is not None and lecture.date > facts.training_end
    if before or after:
        reasons.append(
            Reason(
                "outside-training-period",
                N_(
                    "The lecture on {lecture_date} was outside the post-entry training period; it "
                    "does not count."
                ),
                where,
            )
        )
    if facts.work_start and lecture.date >= facts.work_start:
        reasons.append(
            Reason(
                "after-work-start",
                N_(
                    "The lecture on {lecture_date} was on or after the day work started; it does not "
                    "count."
                ),
                where,
            )
        )
    return reasons


Problems = Callable[[TraineeFacts, LectureFact], list[Reason]]


def evaluate(
    definition: CourseDefinition,
    facts: TraineeFacts,
    today: date,
    problems_of: Problems | None = None,
) -> Compliance:
    """Return the trainee's status and every reason behind it.

    ``problems_of`` may answer ``lecture_problems`` from what it found for another trainee
    (a cohort's trainees share their lectures and training period).

    complete: every rule is met. problem: a lecture the trainee attended does not count, or
    the post-entry training period is over and something is still short. in-progress: short,
    but the period is still running.
    """
    reasons: list[Reason] = []
    minutes: dict[str, int] = defaultdict(int)
    counted = []
    excluded: dict[int, list[Reason]] = {}
    # A lecture with no minutes for this trainee is one they were not at: it neither counts,
    # nor gives a reason, nor shows up as a revision or language they were taught.
    attended = [lecture for lecture in facts.lectures if any(lecture.minutes.values())]
    for lecture in sorted(attended, key=lambda item: item.date):
        if problems_of is None:
            problems = lecture_problems(definition, facts, lecture)
        else:
            problems = problems_of(facts, lecture)
        if problems:
            reasons.extend(problems)
            excluded[lecture.lecture_id] = list(problems)
            continue
        counted.append(lecture.lecture_id)
        for area, value in lecture.minutes.items():
            minutes[area] += int(value)
    if definition.self_study_counts:
        for area, value in facts.self_study_minutes.items():
            minutes[area] += int(value)
    # The lecture must be done within the post-entry training, and in any case before work.
    period_over = (facts.training_end is not None and today > facts.training_end) or (
        facts.work_start is not None and today >= facts.work_start
    )
    shortfalls = []
    for area in definition.areas:
        have = minutes.get(area.code, 0)
        if have < area.minimum_minutes:
            shortfalls.append(
                Reason(
                    "area-short",
                    N_("{area_label}: {minutes} of {minimum} minutes."),
                    {
                        "area_label": area.titles.get("en", area.code),
                        "minutes": have,
                        "minimum": area.minimum_minutes,
                    },
                    blocking=period_over,
                )
            )
    total = sum(minutes.get(area.code, 0) for area in definition.areas)
    if total < definition.total_minimum_minutes:
        shortfalls.append(
            Reason(
                "total-short",
                N_("In total {minutes} of {minimum} minutes."),
                {"minutes": total, "minimum": definition.total_minimum_minutes},
                blocking=period_over,
            )
        )
    quiz_score = (
        round(100 * facts.quiz_correct / facts.quiz_answered) if facts.quiz_answered else None
    )
    quiz_passed = None if quiz_score is None else quiz_score >= definition.quiz_pass_mark_percent
    if definition.quizzes_required and not quiz_passed:
        shortfalls.append(
            Reason(
                "quiz-not-passed",
                N_("Quizzes: {score}% correct; {pass_mark}% is needed."),
                {"score": quiz_score or 0, "pass_mark": definition.quiz_pass_mark_percent},
                blocking=period_over,
            )
        )
    if period_over and shortfalls:
        reasons.append(
            Reason(
                "period-over",
                N_("The post-entry training period ended on {end} with the lecture incomplete."),
                {"end": facts.training_end.isoformat() if facts.training_end else ""},
            )
        )
    reasons.extend(shortfalls)
    if any(reason.blocking for reason in reasons):
        status: Status = "problem"
    elif shortfalls:
        status = "in-progress"
    else:
        status = "complete"
    return Compliance(
        status=status,
        minutes_by_area={a.code: minutes.get(a.code, 0) for a in definition.areas},
        total_minutes=total,
        counted_lectures=counted,
        reasons=reasons,
        quiz_score=quiz_score,
        quiz_passed=quiz_passed,
        revisions=sorted({lecture.revision for lecture in attended}),
        languages=sorted({lecture.language for lecture in attended}),
        excluded=excluded,
        self_study_minutes=dict(facts.self_study_minutes),
    )
