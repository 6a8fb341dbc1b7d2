"""Compliance per trainee: status and every reason, from lecture facts and the course rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from app.config import PROJECT_ROOT
from app.courses.definitions import load_definitions
from app.records.compliance import Compliance, LectureFact, TraineeFacts, evaluate

DEFINITIONS = load_definitions(PROJECT_ROOT / "courses")
TITP = DEFINITIONS["legal-protection"]
IKUSEI = DEFINITIONS["ikusei-legal-protection"]

COOPERATIVE = 11
EMPLOYER = 22
TRAINING_START = date(2026, 4, 6)
TRAINING_END = date(2026, 5, 1)
WORK_START = date(2026, 5, 7)
DURING = date(2026, 4, 20)  # the post-entry training period is still running
AFTER = date(2026, 5, 10)  # the period is over

TITP_AREAS = ("training-act", "immigration", "labour", "protection")


def lecture(
    lecture_id: int,
    minutes: dict[str, int],
    *,
    on: date = date(2026, 4, 8),
    delivery: str = "classroom",
    qualification: str = "attorney",
    affiliations: list[dict[str, Any]] | None = None,
    revision: int = 1,
    language: str = "vi",
    lecturer: str = "Sato Hanako",
) -> LectureFact:
    return LectureFact(
        lecture_id=lecture_id,
        date=on,
        delivery=delivery,
        lecturer_name=lecturer,
        lecturer_qualification=qualification,
        lecturer_affiliations=affiliations or [],
        minutes=minutes,
        revision=revision,
        language=language,
    )


def four_lectures(areas: tuple[str, ...] = TITP_AREAS, minutes: int = 120) -> list[LectureFact]:
    """One lecture per area on consecutive days inside the period, by an independent attorney."""
    return [
        lecture(index + 1, {area: minutes}, on=date(2026, 4, 7 + index))
        for index, area in enumerate(areas)
    ]


def trainee(lectures: list[LectureFact], **changes: Any) -> TraineeFacts:
    values: dict[str, Any] = {
        "cooperative_id": COOPERATIVE,
        "employer_id": EMPLOYER,
        "training_start": TRAINING_START,
        "training_end": TRAINING_END,
        "work_start": WORK_START,
        "lectures": lectures,
    }
    values.update(changes)
    return TraineeFacts(**values)


def codes(result: Compliance) -> list[str]:
    return [reason.code for reason in result.reasons]


def assert_readable(result: Compliance) -> None:
    """Every reason reads as a sentence in Japanese and English.

    The Japanese catalog does not translate the compliance messages yet, so ``text("ja")``
    falls back to English; this checks only that both are non-empty and filled in.
    """
    for reason in result.reasons:
        for language in ("ja", "en"):
            text = reason.text(language)
            assert text.strip()
            assert "{" not in text, text


# complete


def test_four_areas_of_two_hours_by_an_attorney_inside_the_period_are_complete() -> None:
    result = evaluate(TITP, trainee(four_lectures()), DURING)

    assert result.status == "complete"
    assert result.reasons == []
    assert result.minutes_by_area == dict.fromkeys(TITP_AREAS, 120)
    assert result.total_minutes == 480
    assert result.counted_lectures == [1, 2, 3, 4]
    assert result.quiz_score is None
    assert result.quiz_passed is None


def test_minutes_from_several_lectures_in_one_area_are_summed() -> None:
    lectures = [
        lecture(1, {"training-act": 60, "immigration": 120}, on=date(2026, 4, 7)),
        lecture(2, {"training-act": 60, "labour": 130}, on=date(2026, 4, 8)),
        lecture(3, {"protection": 125}, on=date(2026, 4, 9)),
    ]

    result = evaluate(TITP, trainee(lectures), AFTER)

    assert result.status == "complete"
    assert result.minutes_by_area == {
        "training-act": 120,
        "immigration": 120,
        "labour": 130,
        "protection": 125,
    }
    assert result.total_minutes == 495


def test_counted_lectures_are_listed_in_date_order() -> None:
    lectures = four_lectures()
    result = evaluate(TITP, trainee(list(reversed(lectures))), DURING)

    assert result.counted_lectures == [1, 2, 3, 4]


def test_a_lecture_on_the_first_and_on_the_last_day_of_the_period_counts() -> None:
    lectures = four_lectures()
    lectures[0] = replace(lectures[0], date=TRAINING_START)
    lectures[3] = replace(lectures[3], date=TRAINING_END)

    result = evaluate(TITP, trainee(lectures), AFTER)

    assert result.status == "complete"
    assert result.reasons == []


def test_live_video_counts_like_a_classroom_lecture() -> None:
    lectures = [replace(item, delivery="live-video") for item in four_lectures()]

    assert evaluate(TITP, trainee(lectures), DURING).status == "complete"


@pytest.mark.parametrize(
    "qualification",
    [
        "attorney",
        "administrative-scrivener",
        "labour-social-security-attorney",
        "government-official",
    ],
)
def test_every_eligible_qualification_may_teach(qualification: str) -> None:
    lectures = [replace(item, lecturer_qualification=qualification) for item in four_lectures()]

    assert evaluate(TITP, trainee(lectures), DURING).status == "complete"


# short


def test_one_area_short_while_the_period_runs_is_in_progress_and_not_blocking() -> None:
    lectures = four_lectures()
    lectures[2] = lecture(3, {"labour": 90}, on=date(2026, 4, 9))

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "in-progress"
    assert codes(result) == ["area-short", "total-short"]
    area_short = result.reasons[0]
    assert area_short.blocking is False
    assert area_short.params == {"area_label": "Labour laws", "minutes": 90, "minimum": 120}
    assert area_short.text("en") == "Labour laws: 90 of 120 minutes."
    assert all(reason.blocking is False for reason in result.reasons)
    assert result.minutes_by_area["labour"] == 90
    assert result.total_minutes == 450
    assert_readable(result)


def test_one_area_short_after_the_period_ended_is_a_problem_with_period_over_first() -> None:
    lectures = four_lectures()
    lectures[2] = lecture(3, {"labour": 90}, on=date(2026, 4, 9))

    result = evaluate(TITP, trainee(lectures), AFTER)

    assert result.status == "problem"
    assert codes(result) == ["period-over", "area-short", "total-short"]
    assert all(reason.blocking for reason in result.reasons)
    assert result.reasons[0].params == {"end": "2026-05-01"}
    assert "2026-05-01" in result.reasons[0].text("en")
    assert result.reasons[1].params["area_label"] == "Labour laws"
    assert_readable(result)


def test_the_day_the_period_ends_still_counts_as_running() -> None:
    lectures = four_lectures()[:3]

    result = evaluate(TITP, trainee(lectures), TRAINING_END)

    assert result.status == "in-progress"
    assert codes(result) == ["area-short", "total-short"]
    assert result.reasons[0].params["area_label"] == "Other information needed for protection"


def test_a_trainee_with_no_lectures_yet_is_in_progress_and_short_in_every_area() -> None:
    result = evaluate(TITP, trainee([]), DURING)

    assert result.status == "in-progress"
    assert codes(result) == ["area-short"] * 4 + ["total-short"]
    assert [reason.params["area_label"] for reason in result.reasons[:4]] == [
        area.titles["en"] for area in TITP.areas
    ]
    assert result.total_minutes == 0
    assert result.counted_lectures == []
    assert result.revisions == []
    assert result.languages == []


def test_the_total_can_be_short_although_every_area_met_its_minimum() -> None:
    stricter = TITP.model_copy(update={"total_minimum_minutes": 500})

    running = evaluate(stricter, trainee(four_lectures()), DURING)
    over = evaluate(stricter, trainee(four_lectures()), AFTER)

    assert running.status == "in-progress"
    assert codes(running) == ["total-short"]
    assert running.reasons[0].params == {"minutes": 480, "minimum": 500}
    assert running.reasons[0].text("en") == "In total 480 of 500 minutes."
    assert over.status == "problem"
    assert codes(over) == ["period-over", "total-short"]
    assert_readable(over)


def test_minutes_in_an_area_the_definition_does_not_know_do_not_count() -> None:
    lectures = [*four_lectures()[:3], lecture(4, {"unknown-area": 120}, on=date(2026, 4, 10))]

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.minutes_by_area == {
        "training-act": 120,
        "immigration": 120,
        "labour": 120,
        "protection": 0,
    }
    assert result.total_minutes == 360
    assert codes(result) == ["area-short", "total-short"]


# lecturer


def test_a_lecturer_without_an_eligible_qualification_does_not_count_and_is_a_problem() -> None:
    lectures = four_lectures()
    lectures[1] = replace(lectures[1], lecturer_qualification="other", lecturer_name="Tanaka Jiro")

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "problem"
    assert codes(result) == ["lecturer-not-qualified", "area-short", "total-short"]
    not_qualified = result.reasons[0]
    assert not_qualified.blocking is True
    assert not_qualified.params == {"lecture_date": "2026-04-08", "lecturer": "Tanaka Jiro"}
    assert "Tanaka Jiro" in not_qualified.text("en")
    assert result.reasons[1].params["area_label"] == "Immigration Control Act"
    assert result.counted_lectures == [1, 3, 4]
    assert result.minutes_by_area["immigration"] == 0
    assert_readable(result)


def test_an_ineligible_lecture_is_a_problem_even_when_other_lectures_make_up_the_minutes() -> None:
    extra = lecture(5, {"labour": 60}, on=date(2026, 4, 14), qualification="other")

    result = evaluate(TITP, trainee([*four_lectures(), extra]), DURING)

    assert result.status == "problem"
    assert codes(result) == ["lecturer-not-qualified"]
    assert result.total_minutes == 480
    assert result.counted_lectures == [1, 2, 3, 4]


def test_a_lecturer_affiliated_with_the_trainees_cooperative_is_not_independent() -> None:
    lectures = four_lectures()
    lectures[0] = replace(lectures[0], lecturer_affiliations=[{"cooperative_id": COOPERATIVE}])

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "problem"
    assert codes(result) == ["lecturer-not-independent", "area-short", "total-short"]
    assert result.reasons[0].blocking is True
    assert result.reasons[0].params["lecture_date"] == "2026-04-07"
    assert result.counted_lectures == [2, 3, 4]
    assert result.minutes_by_area["training-act"] == 0
    assert_readable(result)


def test_a_lecturer_affiliated_with_the_trainees_employer_is_not_independent() -> None:
    lectures = four_lectures()
    lectures[3] = replace(lectures[3], lecturer_affiliations=[{"employer_id": EMPLOYER}])

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "problem"
    assert codes(result) == ["lecturer-not-independent", "area-short", "total-short"]
    assert result.counted_lectures == [1, 2, 3]


def test_a_lecturer_affiliated_with_another_cooperative_or_employer_counts() -> None:
    elsewhere = [{"cooperative_id": COOPERATIVE + 1}, {"employer_id": EMPLOYER + 1}]
    lectures = [replace(item, lecturer_affiliations=elsewhere) for item in four_lectures()]

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "complete"
    assert result.reasons == []
    assert result.counted_lectures == [1, 2, 3, 4]


def test_an_employer_affiliation_does_not_match_a_trainee_without_an_employer() -> None:
    lectures = [
        replace(item, lecturer_affiliations=[{"employer_id": None}]) for item in four_lectures()
    ]

    result = evaluate(TITP, trainee(lectures, employer_id=None), DURING)

    assert result.status == "complete"


def test_independence_is_not_checked_when_the_definition_does_not_require_it() -> None:
    lenient = TITP.model_copy(update={"lecturer_must_be_independent": False})
    lectures = [
        replace(item, lecturer_affiliations=[{"cooperative_id": COOPERATIVE}])
        for item in four_lectures()
    ]

    assert evaluate(lenient, trainee(lectures), DURING).status == "complete"


def test_a_lecture_with_several_faults_gives_every_reason() -> None:
    bad = lecture(
        1,
        {"training-act": 120},
        on=WORK_START,
        delivery="self-study",
        qualification="other",
        affiliations=[{"cooperative_id": COOPERATIVE}],
    )

    result = evaluate(TITP, trainee([bad, *four_lectures()[1:]]), AFTER)

    assert codes(result) == [
        "delivery-not-counted",
        "lecturer-not-qualified",
        "lecturer-not-independent",
        "outside-training-period",
        "after-work-start",
        "period-over",
        "area-short",
        "total-short",
    ]
    assert_readable(result)


# timing


def test_a_lecture_on_the_day_work_starts_does_not_count() -> None:
    # Work starting inside the period, so only the work-start rule is broken.
    lectures = four_lectures()
    lectures[3] = replace(lectures[3], date=date(2026, 4, 27))

    result = evaluate(TITP, trainee(lectures, work_start=date(2026, 4, 27)), DURING)

    assert result.status == "problem"
    assert codes(result) == ["after-work-start", "area-short", "total-short"]
    assert result.reasons[0].params["lecture_date"] == "2026-04-27"
    assert result.counted_lectures == [1, 2, 3]
    assert_readable(result)


def test_a_lecture_after_work_started_does_not_count() -> None:
    lectures = four_lectures()
    lectures[3] = replace(lectures[3], date=date(2026, 4, 28))

    result = evaluate(TITP, trainee(lectures, work_start=date(2026, 4, 27)), DURING)

    assert codes(result) == ["after-work-start", "area-short", "total-short"]


def test_a_lecture_before_the_training_period_does_not_count() -> None:
    lectures = four_lectures()
    lectures[0] = replace(lectures[0], date=date(2026, 4, 5))

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "problem"
    assert codes(result) == ["outside-training-period", "area-short", "total-short"]
    assert result.reasons[0].params["lecture_date"] == "2026-04-05"
    assert_readable(result)


def test_a_lecture_after_the_training_period_but_before_work_does_not_count() -> None:
    lectures = four_lectures()
    lectures[3] = replace(lectures[3], date=date(2026, 5, 4))

    result = evaluate(TITP, trainee(lectures), AFTER)

    assert result.status == "problem"
    assert codes(result) == ["outside-training-period", "period-over", "area-short", "total-short"]


def test_without_recorded_dates_no_timing_rule_applies() -> None:
    facts = trainee(four_lectures(), training_start=None, training_end=None, work_start=None)

    assert evaluate(TITP, facts, AFTER).status == "complete"


# delivery and self-study


def test_a_self_study_lecture_does_not_count() -> None:
    lectures = four_lectures()
    lectures[2] = replace(lectures[2], delivery="self-study")

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "problem"
    assert codes(result) == ["delivery-not-counted", "area-short", "total-short"]
    assert result.reasons[0].blocking is True
    assert result.minutes_by_area["labour"] == 0
    assert_readable(result)


def test_self_study_minutes_do_not_count_by_default() -> None:
    facts = trainee(four_lectures()[:3], self_study_minutes={"protection": 120})

    result = evaluate(TITP, facts, DURING)

    assert result.status == "in-progress"
    assert result.minutes_by_area["protection"] == 0
    assert codes(result) == ["area-short", "total-short"]


def test_self_study_minutes_count_when_the_definition_says_so() -> None:
    counting = TITP.model_copy(update={"self_study_counts": True})
    facts = trainee(four_lectures()[:3], self_study_minutes={"protection": 120})

    result = evaluate(counting, facts, DURING)

    assert result.status == "complete"
    assert result.minutes_by_area["protection"] == 120
    assert result.total_minutes == 480
    assert result.counted_lectures == [1, 2, 3]


# languages and revisions


def test_mixed_languages_and_a_new_revision_mid_cohort_are_recorded_and_still_complete() -> None:
    lectures = four_lectures()
    lectures[0] = replace(lectures[0], language="vi", revision=1)
    lectures[1] = replace(lectures[1], language="ja", revision=1)
    lectures[2] = replace(lectures[2], language="vi", revision=2)
    lectures[3] = replace(lectures[3], language="ja", revision=2)

    result = evaluate(TITP, trainee(lectures), DURING)

    assert result.status == "complete"
    assert result.languages == ["ja", "vi"]
    assert result.revisions == [1, 2]


# quizzes


def test_a_quiz_score_is_shown_but_not_required_by_default() -> None:
    passed = evaluate(TITP, trainee(four_lectures(), quiz_answered=10, quiz_correct=7), DURING)
    failed = evaluate(TITP, trainee(four_lectures(), quiz_answered=10, quiz_correct=5), DURING)

    assert (passed.quiz_score, passed.quiz_passed, passed.status) == (70, True, "complete")
    assert (failed.quiz_score, failed.quiz_passed, failed.status) == (50, False, "complete")
    assert failed.reasons == []


def test_the_quiz_score_is_rounded_to_a_whole_percent() -> None:
    result = evaluate(TITP, trainee(four_lectures(), quiz_answered=3, quiz_correct=2), DURING)

    assert result.quiz_score == 67
    assert result.quiz_passed is False


def test_without_quiz_answers_there_is_no_score() -> None:
    result = evaluate(TITP, trainee(four_lectures()), DURING)

    assert result.quiz_score is None
    assert result.quiz_passed is None


def test_a_failed_quiz_is_a_reason_when_quizzes_are_required() -> None:
    required = TITP.model_copy(update={"quizzes_required": True})
    facts = trainee(four_lectures(), quiz_answered=10, quiz_correct=5)

    running = evaluate(required, facts, DURING)
    over = evaluate(required, facts, AFTER)

    assert running.status == "in-progress"
    assert codes(running) == ["quiz-not-passed"]
    assert running.reasons[0].params == {"score": 50, "pass_mark": 70}
    assert running.reasons[0].text("en") == "Quizzes: 50% correct; 70% is needed."
    assert over.status == "problem"
    assert codes(over) == ["period-over", "quiz-not-passed"]
    assert_readable(over)


def test_a_quiz_at_the_pass_mark_passes_when_quizzes_are_required() -> None:
    required = TITP.model_copy(update={"quizzes_required": True})
    facts = trainee(four_lectures(), quiz_answered=10, quiz_correct=7)

    result = evaluate(required, facts, AFTER)

    assert result.status == "complete"
    assert result.quiz_passed is True


def test_no_quiz_answers_is_a_reason_when_quizzes_are_required() -> None:
    required = TITP.model_copy(update={"quizzes_required": True})

    result = evaluate(required, trainee(four_lectures()), DURING)

    assert result.quiz_score is None
    assert codes(result) == ["quiz-not-passed"]
    assert result.reasons[0].params["score"] == 0


# lectures the trainee was not at


def test_an_ineligible_lecture_the_trainee_did_not_attend_adds_no_reason() -> None:
    absent = lecture(9, {"labour": 0}, on=date(2026, 4, 15), qualification="other")

    result = evaluate(TITP, trainee([*four_lectures(), absent]), DURING)

    assert result.status == "complete"
    assert result.reasons == []
    assert result.counted_lectures == [1, 2, 3, 4]


def test_a_lecture_the_trainee_did_not_attend_is_neither_counted_nor_recorded_as_taught() -> None:
    absent = lecture(9, {"labour": 0}, on=date(2026, 4, 15), revision=3, language="en")

    result = evaluate(TITP, trainee([*four_lectures(), absent]), DURING)

    assert result.status == "complete"
    assert result.counted_lectures == [1, 2, 3, 4]
    assert result.revisions == [1]
    assert result.languages == ["vi"]


def test_a_lecture_that_does_not_count_is_still_recorded_as_taught() -> None:
    ineligible = lecture(9, {"labour": 30}, on=date(2026, 4, 15), qualification="other", revision=2)

    result = evaluate(TITP, trainee([*four_lectures(), ineligible]), DURING)

    assert result.counted_lectures == [1, 2, 3, 4]
    assert result.revisions == [1, 2]


# 育成就労


def test_the_ikusei_definition_uses_its_own_area_codes() -> None:
    areas = ("skill-development-act", "immigration", "labour", "protection")

    result = evaluate(IKUSEI, trainee(four_lectures(areas)), DURING)

    assert result.status == "complete"
    assert list(result.minutes_by_area) == list(areas)
    assert result.total_minutes == 480


def test_titp_minutes_do_not_meet_the_ikusei_skill_development_area() -> None:
    result = evaluate(IKUSEI, trainee(four_lectures()), DURING)

    assert result.status == "in-progress"
    assert "training-act" not in result.minutes_by_area
    assert result.minutes_by_area["skill-development-act"] == 0
    assert codes(result) == ["area-short", "total-short"]
    assert (
        result.reasons[0].params["area_label"]
        == "Employment for Skill Development Act and program rules"
    )
    assert result.total_minutes == 360
