"""Who may reach a cohort or a trainee: the rules in one place.

Cohorts and trainees belong to one cooperative: admins reach every cooperative's, staff
(and their cooperative's API tokens) only their own, through ``app.accounts.tenancy``. A
signed-in trainee reaches only their own trainee row. Another cooperative's row is "not
found", never "forbidden".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.errors import Forbidden
from app.accounts.tenancy import Principal, get_owned
from app.cohorts.errors import CohortNotFound, TraineeNotFound
from app.cohorts.models import Cohort, Trainee


def owned_cohort(session: Session, principal: Principal, cohort_id: int) -> Cohort:
    """A cohort of the caller's cooperative (any, for admins), else CohortNotFound."""
    return get_owned(session, principal, Cohort, cohort_id, CohortNotFound)


def owned_trainee(session: Session, principal: Principal, trainee_id: int) -> Trainee:
    """A trainee of the caller's cooperative (any, for admins), else TraineeNotFound."""
    return get_owned(session, principal, Trainee, trainee_id, TraineeNotFound)


def trainee_of(session: Session, principal: Principal) -> Trainee:
    """The trainee the caller is signed in as; Forbidden for anyone else."""
    trainee = (
        session.scalar(select(Trainee).where(Trainee.user_id == principal.user_id))
        if principal.role == "trainee"
        else None
    )
    if trainee is None:
        raise Forbidden()
    return trainee
