"""Errors of self-study (their messages are those trainees already meet in the lecture)."""

from app.courses.errors import ModuleNotFound
from app.errors import Conflict, InvalidInput
from app.i18n import N_


class StudyModuleNotFound(ModuleNotFound):
    """The module is not in the course's published revision."""

    code = "study-module-not-found"


class NotAStudyQuiz(InvalidInput):
    code = "not-a-quiz"
    message = N_("The current slide is not a quiz slide.")


class NotAChoice(InvalidInput):
    code = "not-a-choice"
    message = N_("That is not one of the choices.")


class StudyRevisionChanged(Conflict):
    code = "study-revision-changed"
    message = N_("This module has been revised. Reload the page to see the current version.")
