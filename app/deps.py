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


async def get_app_settings(request: Request) -> Settings:
    # async: a plain lookup needs no trip through the thread pool.
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_definitions(request: Request) -> dict[str, CourseDefinition]:
    return request.app.state.definitions  # type: ignore[no-any-return]


# How many requests may hold a database session at once. Below the connection pool
# (db.POOL_SIZE + db.MAX_OVERFLOW) and the 40 worker threads, so a request waiting for a
# session waits without a thread or a connection; otherwise a burst of pings could take
# every thread while the connections' holders need a thread to finish.
MAX_CONCURRENT_SESSIONS = 16

# scope="function": commit (or roll back) before the response is sent, so a client never
# sees success for a transaction that then fails, and connections are returned sooner.
SessionDep = Annotated[
    Session, Depends(get_session, scope="function", max_concurrency=MAX_CONCURRENT_SESSIONS)
]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DefinitionsDep = Annotated[dict[str, CourseDefinition], Depends(get_definitions)]
