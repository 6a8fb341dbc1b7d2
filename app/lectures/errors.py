"""Errors of live lectures."""

from dataclasses import dataclass, field
from typing import Any

from app.accounts.errors import Forbidden
from app.courses.errors import ModuleNotFound
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, gettext


class LectureNotFound(NotFound):
    code = "lecture-not-found"
    message = N_("Lecture not found.")


class NotYourLecture(NotFound):
    code = "lecture-not-for-you"
    message = N_("This lecture is not for your cohort.")


# A lecture's status as a word inside a message, so it is translated with the message.
LECTURE_STATUS_WORDS = {
    "scheduled": N_("scheduled"),
    "live": N_("live"),
    "paused": N_("paused"),
    "ended": N_("ended"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
}


class LectureStateError(Conflict):
    code = "lecture-state"
    message = N_("This cannot be done now: the lecture is {status}.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        status = params.get("status")
        if isinstance(status, str):
            params["status"] = LECTURE_STATUS_WORDS.get(status, status)
        super().__init__(message, **params)


class LectureEnded(Conflict):
    code = "lecture-ended"
    message = N_("The lecture has ended.")


class PollClosed(Conflict):
    code = "poll-closed"
    message = N_("This question is closed; your answer was not counted.")


class AlreadyAnswered(Conflict):
    code = "already-answered"
    message = N_("You have already answered this question.")


class InvalidLecture(InvalidInput):
    code = "invalid-lecture"
    message = N_("The lecture cannot be scheduled: {reason}")


class UnknownModules(InvalidInput):
    """Planned modules the course does not have: ModuleNotFound's sentence, as a form mistake."""

    code = "invalid-lecture"
    message = ModuleNotFound.message


class NoSuchSlide(InvalidInput):
    code = "no-such-slide"
    message = N_("Module {module} has no slide {position}.")


class NotAQuiz(InvalidInput):
    code = "not-a-quiz"
    message = N_("The current slide is not a quiz slide.")


class ReasonRequired(InvalidInput):
    code = "reason-required"
    message = N_("The attendance sheet is confirmed; a change needs a reason.")


class GapNotFound(NotFound):
    code = "gap-not-found"
    message = N_("This gap is not part of the lecture.")


class ShortfallsNotAcknowledged(Conflict):
    code = "shortfalls"
    message = N_(
        "{count} trainees were credited less time in an area than the lecture taught. Check "
        "them on the attendance sheet, correct what is wrong, then confirm that you have."
    )


class CannotRecord(InvalidInput):
    code = "cannot-record"
    message = N_("This lecture cannot be recorded afterwards.")


class EvidenceTooLarge(InvalidInput):
    status_code = 413
    code = "evidence-too-large"
    message = N_("The file is larger than {limit_mb} MB.")


class EvidenceNotFound(NotFound):
    code = "evidence-not-found"
    message = N_("Evidence file not found.")


@dataclass(frozen=True)
class LectureWarning:
    """Something scheduling found that may keep the lecture from counting; ``message`` is an
    English template translated when shown."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    cohort_id: int | None = None

    def text(self, language: str) -> str:
        return gettext(language, self.message, **self.params)


class WarningsNotAcknowledged(Conflict):
    code = "scheduling-warnings"
    message = N_(
        "Nothing was saved: check the warnings ({count}), then save again confirming that you "
        "have seen them."
    )

    def __init__(self, warnings: list[LectureWarning]) -> None:
        super().__init__(count=len(warnings))
        self.warnings = warnings

    def details(self, language: str) -> dict[str, Any]:
        return {
            "warnings": [
                {"code": w.code, "message": w.text(language), "cohort_id": w.cohort_id}
                for w in self.warnings
            ]
        }


class LectureNotChangeable(Conflict):
    code = "lecture-not-changeable"
    message = N_(
        "The lecture has started or is cancelled: its time, lecturer, modules and delivery "
        "can no longer be changed."
    )


class NotYourSchedule(Forbidden):
    code = "lecture-other-cooperative"
    message = N_("The lecture is shared with another cooperative; only an admin can change it.")


class ReasonNeeded(InvalidInput):
    code = "reason-needed"
    message = N_("Say why: a change or a cancellation needs a reason.")


class UndoWindowOver(Conflict):
    code = "undo-window-over"
    message = N_(
        "A confirmation can be undone only within {minutes} minutes, and only before any "
        "correction. Correct single trainees with a reason instead."
    )
