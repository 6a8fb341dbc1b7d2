"""Import every domain's models so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from app.accounts import models as accounts_models
from app.audit import models as audit_models
from app.cohorts import models as cohorts_models
from app.courses import models as courses_models
from app.files import models as files_models
from app.jobs import models as jobs_models
from app.lectures import models as lectures_models
from app.study import models as study_models

__all__ = [
    "accounts_models",
    "audit_models",
    "cohorts_models",
    "courses_models",
    "files_models",
    "jobs_models",
    "lectures_models",
    "study_models",
]
