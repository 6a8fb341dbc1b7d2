"""Dependencies that turn a cohort or trainee id into its record, for callers who may see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from app.cohorts.dependencies import OwnedCohort
from app.cohorts.models import Cohort
from app.courses import service as courses
from app.courses.definitions import CourseDefinition
from app.deps import DefinitionsDep, SessionDep
from app.records import service
from app.records.service import CohortRecord

DefinitionFor = Callable[[Cohort], CourseDefinition]


def definition_for(definitions: DefinitionsDep) -> DefinitionFor:
    """The course definition a cohort is taught by (its program's rules)."""
    return lambda cohort: courses.get_definition(definitions, cohort.course_code)


DefinitionForDep = Annotated[DefinitionFor, Depends(definition_for)]


def cohort_record(
    session: SessionDep, cohort: OwnedCohort, definition_of: DefinitionForDep
) -> CohortRecord:
    return service.cohort_record(session, cohort, definition_of(cohort))


CohortRecordDep = Annotated[CohortRecord, Depends(cohort_record)]
