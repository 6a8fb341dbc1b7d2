"""Engine, session factory and the declarative base shared by every domain's models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from annotated_types import Ge, Le
from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app import clock

# The largest id (or revision number, or position) a PostgreSQL integer column holds. A larger
# one in a request names no row, and would make the query itself fail; RowId turns it into a
# validation error, for path and query parameters and request bodies alike.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]

# Stable constraint names so Alembic migrations (and SQLite batch mode) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use app.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def dialect_insert(bind: Engine | Connection) -> Any:
    """The INSERT construct of the bind's dialect, which knows ON CONFLICT (SQLite, PostgreSQL)."""
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (the server's clock is the truth)."""
    return clock.now()


# Database connections one process may open: POOL_SIZE kept, MAX_OVERFLOW more at a peak
# (settings database_pool_size and database_max_overflow; docs/capacity.md). A process
# holds at most 16 request sessions (deps.MAX_CONCURRENT_SESSIONS), 8 event-stream checks and
# 8 ping checks (lectures.gates) and the ping writer at once, and one more connection LISTENs.
POOL_SIZE = 10
MAX_OVERFLOW = 10


def make_engine(
    url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW
) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout for several processes."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=max_overflow,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield one session for one unit of work: committed on success, rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# The same unit of work for code outside a request (a ``with`` block).
transaction = contextmanager(session_scope)
