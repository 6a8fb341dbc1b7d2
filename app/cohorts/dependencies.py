"""Dependencies that turn cohort and trainee ids into rows the caller may use, or a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.accounts.dependencies import CooperativeAccessDep
from app.cohorts import access
from app.cohorts.models import Cohort, Trainee
from app.db import RowId
from app.deps import SessionDep


def owned_cohort(session: SessionDep, principal: CooperativeAccessDep, cohort_id: RowId) -> Cohort:
    return access.owned_cohort(session, principal, cohort_id)


def owned_trainee(
    session: SessionDep, principal: CooperativeAccessDep, trainee_id: RowId
) -> Trainee:
    return access.owned_trainee(session, principal, trainee_id)


OwnedCohort = Annotated[Cohort, Depends(owned_cohort)]
OwnedTrainee = Annotated[Trainee, Depends(owned_trainee)]
