"""Errors of cohorts and trainees."""

from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_


class CohortNotFound(NotFound):
    code = "cohort-not-found"
    message = N_("Cohort not found.")


class TraineeNotFound(NotFound):
    code = "trainee-not-found"
    message = N_("Trainee not found.")


class CohortNameTaken(Conflict):
    code = "cohort-name-taken"
    message = N_("A cohort named {name} already exists in this cooperative.")


class CohortNotEmpty(Conflict):
    code = "cohort-not-empty"
    message = N_("The cohort still has {count} trainees; it cannot be deleted.")


class TraineeNumberTaken(Conflict):
    code = "trainee-number-taken"
    message = N_("Trainee number {number} is already used in this cooperative.")


class InvalidDates(InvalidInput):
    code = "invalid-dates"
    message = N_("The dates do not fit together: {reason}")


class SpreadsheetTooLarge(InvalidInput):
    status_code = 413
    code = "spreadsheet-too-large"
    message = N_("The file is larger than {limit_mb} MB. Split the list into several files.")


class DatesNeedReason(InvalidInput):
    code = "dates-need-reason"
    message = N_(
        "Training records already exist for this cohort: say why its dates change (reason)."
    )


class UnknownLanguage(InvalidInput):
    code = "unknown-language"
    message = N_("{language} is not a language Koshu knows. Use tags like en, vi or km.")


class LanguageNotInCohort(InvalidInput):
    code = "language-not-in-cohort"
    message = N_(
        "{language} is not one of this cohort's languages ({languages}). Add it to the "
        "cohort first."
    )


class TraineeHasRecords(Conflict):
    code = "trainee-has-records"
    message = N_(
        "{number} already has attendance or study records, so it cannot be merged into "
        "another trainee."
    )
