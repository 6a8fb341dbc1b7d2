"""Import every domain's models so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from app.courses import models as courses_models
from app.files import models as files_models
from app.jobs import models as jobs_models

__all__ = ["courses_models", "files_models", "jobs_models"]
