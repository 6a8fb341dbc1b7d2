"""The self-study JSON API: a trainee's visible time on a module, and module quiz answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from app.accounts.dependencies import PrincipalDep, require_roles
from app.cohorts.access import trainee_of
from app.cohorts.models import Trainee
from app.courses.dependencies import DefinitionDep
from app.db import RowId
from app.deps import SessionDep
from app.study import service
from app.study.schemas import StudyAnswerIn, StudyAnswerResult, StudyModule, StudyPingRead

router = APIRouter(
    prefix="/api/v1", tags=["study"], dependencies=[Depends(require_roles("trainee"))]
)


def studying_trainee(session: SessionDep, principal: PrincipalDep) -> Trainee:
    return trainee_of(session, principal)


StudyingTrainee = Annotated[Trainee, Depends(studying_trainee)]


@router.get("/study/{course}/modules/{code}", response_model=StudyModule)
def study_module(
    session: SessionDep, trainee: StudyingTrainee, definition: DefinitionDep, code: str
) -> StudyModule:
    """A module of the published revision along the trainee's language chain: a slide whose
    translation is stale or missing is shown in the next language that has it current."""
    return service.module(session, trainee, definition, code)


@router.post("/study/{course}/modules/{code}/ping", response_model=StudyPingRead)
def study_ping(
    session: SessionDep,
    trainee: StudyingTrainee,
    definition: DefinitionDep,
    code: str,
) -> StudyPingRead:
    """The trainee's visible study page says it is still there (the server's time is used)."""
    return service.ping(
        session,
        trainee,
        definition,
        code,
        gap_limit=timedelta(seconds=definition.presence.ping_gap_seconds),
    )


@router.post("/study/{course}/modules/{code}/quiz/{position}", response_model=StudyAnswerResult)
def study_answer(
    session: SessionDep,
    trainee: StudyingTrainee,
    definition: DefinitionDep,
    code: str,
    position: RowId,
    body: StudyAnswerIn,
) -> StudyAnswerResult:
    """Answer a module's quiz: right or wrong at once, with the explanation."""
    return service.answer(session, trainee, definition, code, position, body.choice, body.revision)
