"""Dependencies shared by every router: the request's session, settings and definitions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses.definitions import CourseDefinition
from app.db import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    yield from session_scope(request.app.state.session_factory)


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_definitions(request: Request) -> dict[str, CourseDefinition]:
    return request.app.state.definitions  # type: ignore[no-any-return]


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DefinitionsDep = Annotated[dict[str, CourseDefinition], Depends(get_definitions)]
