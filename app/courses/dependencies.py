"""Dependencies that turn path parameters into rows, or a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from app.courses import service
from app.courses.definitions import CourseDefinition
from app.courses.models import Course, Revision
from app.db import RowId
from app.deps import DefinitionsDep, SessionDep


def valid_definition(
    definitions: DefinitionsDep, course: Annotated[str, Path(max_length=64)]
) -> CourseDefinition:
    return service.get_definition(definitions, course)


DefinitionDep = Annotated[CourseDefinition, Depends(valid_definition)]


def valid_course(session: SessionDep, definition: DefinitionDep) -> Course:
    return service.ensure_course(session, definition)


CourseDep = Annotated[Course, Depends(valid_course)]


def valid_revision(session: SessionDep, course: CourseDep, number: RowId) -> Revision:
    return service.get_revision(session, course, number)


RevisionDep = Annotated[Revision, Depends(valid_revision)]
