"""Errors of training records."""

from app.errors import Conflict, NotFound
from app.i18n import N_


class RecordsRetained(Conflict):
    code = "records-retained"
    message = N_(
        "The training records of this cohort must be kept until {until}; the cohort "
        "cannot be deleted before then."
    )


class RecordsRetainedAfterMove(RecordsRetained):
    message = N_(
        "The training records of this cohort must be kept until {until}: a year after the "
        "latest programme end ever recorded ({end}). Moving the programme end to {current} "
        "does not shorten that; the cohort cannot be deleted before then."
    )


class NotComplete(NotFound):
    code = "not-complete"
    message = N_("This trainee has not completed the lecture yet, so there is no certificate.")


class ExportNotFound(NotFound):
    code = "export-not-found"
    message = N_("There is no such export of this cohort's record.")


class ExportNotReady(Conflict):
    code = "export-not-ready"
    message = N_("The record is still being prepared; download it once it is done.")
