"""Import every domain's models so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from app.accounts import models as accounts_models
from app.audit import models as audit_models
from app.cohorts import models as cohorts_models
from app.courses import models as courses_models
from app.files import models as files_models
from app.jobs import models as jobs_models
from app.lectures import models as lectures_models
from app.records import models as records_models
from app.study import models as study_models

__all__ = [
    "accounts_models",
    "audit_models",
    "cohorts_models",
    "courses_models",
    "files_models",
    "jobs_models",
    "lectures_models",
    "records_models",
    "study_models",
]


def _guard_typed_text() -> None:
    """Every name and text a user types, and every link, follows app.hygiene's rules."""
    from app.accounts.models import ApiToken, Cooperative, Employer, LecturerProfile, User
    from app.cohorts.models import Cohort, Trainee
    from app.courses.models import Revision
    from app.hygiene import guard
    from app.lectures.models import AttendanceRecord, Interpreter, Lecture, RosterEntry

    guard(
        lines=(
            Cooperative.name,
            Cooperative.licence_number,
            Cooperative.contact_name,
            Cooperative.contact_phone,
            Cooperative.contact_email,
            Employer.name,
            User.display_name,
            User.email,
            LecturerProfile.registration_number,
            ApiToken.name,
            Cohort.name,
            Trainee.trainee_number,
            Trainee.family_name,
            Trainee.given_name,
            Trainee.name_katakana,
            Trainee.nationality,
            Lecture.title,
            Lecture.venue,
            Interpreter.name,
        ),
        texts=(
            Cooperative.address,
            Employer.address,
            Revision.change_note,
            RosterEntry.reason,
            AttendanceRecord.reason,
        ),
        urls=(Lecture.online_url,),
    )


_guard_typed_text()
