"""Errors of login and access."""

from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.i18n import N_


class LoginRequired(DomainError):
    status_code = 401
    code = "login-required"
    message = N_("Please log in.")


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    message = N_("You do not have permission to do this.")


class BadCredentials(DomainError):
    status_code = 401
    code = "bad-credentials"
    message = N_("The e-mail address or password is wrong.")


class BadPin(DomainError):
    status_code = 401
    code = "bad-pin"
    message = N_("The login code or PIN is wrong.")


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too-many-attempts"
    message = N_(
        "Too many failed attempts. Wait {minutes} minutes, or ask your cooperative to "
        "reset your password or PIN."
    )


class CooperativeNotFound(NotFound):
    code = "cooperative-not-found"
    message = N_("Cooperative not found.")


class UserNotFound(NotFound):
    code = "user-not-found"
    message = N_("User not found.")


class EmployerNotFound(NotFound):
    code = "employer-not-found"
    message = N_("Implementing organisation not found.")


class TokenNotFound(NotFound):
    code = "token-not-found"
    message = N_("API token not found.")


class AlreadyExists(Conflict):
    code = "already-exists"
    message = N_("{what} already exists.")


class WeakPassword(InvalidInput):
    code = "weak-password"
    message = N_("The password must have at least {length} characters.")


class OrganisationNotFound(NotFound):
    code = "organisation-not-found"
    message = N_("There is no cooperative or implementing organisation with id {id}.")


class AffiliationLooksKnown(InvalidInput):
    code = "affiliation-looks-known"
    message = N_(
        '"{name}" looks like {suggestion}, which is registered in Koshu. Choose it from the '
        "list, or confirm that it is another organisation outside Koshu."
    )


class InvalidAffiliationDates(InvalidInput):
    code = "affiliation-dates"
    message = N_("The affiliation with {name} ends ({until}) before it starts ({since}).")


class ProfileDateTooEarly(InvalidInput):
    code = "profile-date-too-early"
    message = N_(
        "The change cannot take effect before {current}, the day the current profile took effect."
    )


class NotALecturer(NotFound):
    code = "not-a-lecturer"
    message = N_("Lecturer not found.")
