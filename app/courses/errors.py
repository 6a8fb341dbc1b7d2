"""Errors of the courses domain, each with the status a route answers."""

from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_


class CourseNotFound(NotFound):
    code = "course-not-found"
    message = N_("There is no course with the code {course}.")


class RevisionNotFound(NotFound):
    code = "revision-not-found"
    message = N_("Course {course} has no revision {revision}.")


class ModuleNotFound(NotFound):
    code = "module-not-found"
    message = N_("Course {course} has no module {module}.")


class LanguageNotOffered(InvalidInput):
    code = "language-not-offered"
    message = N_("Course {course} is not offered in the language {language}.")


class UnknownArea(InvalidInput):
    code = "unknown-area"
    message = N_("Course {course} has no statutory area {area}. Areas: {areas}.")


class AreaFixedByDefinition(Conflict):
    code = "area-fixed"
    message = N_(
        "Module {module} is listed in the course definition with area {area}; change "
        "the definition file instead."
    )


class PublishConflict(Conflict):
    code = "publish-conflict"


class InvalidDate(InvalidInput):
    code = "invalid-date"
    message = N_("The effective date must be a date like 2026-12-01.")


class ImportNotFound(NotFound):
    code = "import-not-found"
    message = N_("Course {course} has no deck import {import_id}.")


class RenderNotRetryable(Conflict):
    code = "render-not-retryable"
    message = N_("Only slide images whose rendering failed can be rendered again.")


class CourseMismatch(Conflict):
    """The deck's sections belong to another course; held until the uploader confirms."""

    code = "course-mismatch"
    message = N_(
        "This deck looks like one of {suggested} ({suggested_program}): its sections "
        "{modules} are that course's. It was not imported into {course} ({program}). Upload "
        "it to the right course, or confirm (confirm=true) to import it here anyway."
    )


class UnmappedModules(Conflict):
    code = "unmapped-modules"
    message = N_(
        "Modules {modules} have no statutory area, so their time would count toward none. "
        "Assign an area to each before publishing."
    )


class RevisionNotDiscardable(Conflict):
    code = "revision-not-discardable"
