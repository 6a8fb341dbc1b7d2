"""Login limits that hold under concurrency.

Checking a count and recording a failure later lets parallel attempts all pass the check
before any is recorded (30 parallel wrong passwords got 20 verified against a limit of 5).
So an attempt first *reserves* its place: one atomic upsert adds one to the key's counter
and returns it, and only an attempt within the limit goes on to verify the secret. A failed
attempt keeps its place; a successful or refused one gives it back. The number of failures
verified per window can never exceed the limit, whatever the timing.

Attempts still being verified (``pending``) hold places too. When only they stand in the
way, a new attempt waits for them to end instead of being refused: a room of trainees on
one Wi-Fi address signing in at once must not be locked out by its own successful logins.

Counters live in their own short transactions on a separate connection: the request's
transaction is rolled back when a login fails, and the count must survive that.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import Connection, Engine, Update, case, delete, update
from sqlalchemy.orm import Session

from app.accounts.models import LoginAttempts
from app.db import dialect_insert, utcnow

Limit = tuple[str, int]  # (counter key, failures allowed per window)
# How long an attempt waits for attempts in flight before it is refused after all.
WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.02


def _reserve(connection: Connection, key: str, window: timedelta) -> tuple[int, int]:
    """Add one pending attempt to the key's counter (in a new window if the old one is over).

    Returns (attempts, pending) after the addition: failures are attempts - pending.
    """
    now = utcnow()
    table = LoginAttempts.__table__
    insert = dialect_insert(connection)
    expired = table.c.window_started_at <= now - window
    statement = (
        insert(table)
        .values(key=key, window_started_at=now, attempts=1, pending=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "attempts": case((expired, 1), else_=table.c.attempts + 1),
                "pending": case((expired, 1), else_=table.c.pending + 1),
                "window_started_at": case((expired, now), else_=table.c.window_started_at),
            },
        )
        .returning(table.c.attempts, table.c.pending)
    )
    attempts, pending = connection.execute(statement).one()
    connection.commit()
    return int(attempts), int(pending)


def _less(column: object) -> object:
    return case((column > 0, column - 1), else_=0)  # type: ignore[operator]


def _ended(key: str, *, failed: bool) -> Update:
    """The pending attempt ended: a failure keeps its place, anything else gives it back."""
    values = {"pending": _less(LoginAttempts.pending)}
    if not failed:
        values["attempts"] = _less(LoginAttempts.attempts)
    return update(LoginAttempts).where(LoginAttempts.key == key).values(values)


def _end(connection: Connection, keys: list[str], *, failed: bool) -> None:
    # One key per transaction: holding one counter's lock while waiting for another could
    # deadlock with a request that updates both (see succeeded).
    for key in keys:
        connection.execute(_ended(key, failed=failed))
        connection.commit()


def reserve(engine: Engine, limits: list[Limit], window: timedelta) -> bool:
    """Reserve a place under every limit; False (nothing kept) when the failures fill one.

    While only attempts in flight fill it, wait up to WAIT_SECONDS for them to end.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    with engine.connect() as connection:
        while True:
            full = False
            counted: list[str] = []
            for key, allowed in limits:
                counted.append(key)
                attempts, pending = _reserve(connection, key, window)
                if attempts > allowed:
                    full = attempts - pending >= allowed  # failed attempts alone fill it
                    break
            else:
                return True
            _end(connection, counted, failed=False)
            if full or time.monotonic() > deadline:
                return False
            time.sleep(_POLL_SECONDS)


def failed(engine: Engine, keys: list[str], window: timedelta) -> None:
    """The reserved attempt failed: its places stay taken for the rest of the window."""
    with engine.connect() as connection:
        _end(connection, keys, failed=True)
        connection.execute(
            delete(LoginAttempts).where(LoginAttempts.window_started_at < utcnow() - window * 4)
        )
        connection.commit()


def given_back(engine: Engine, keys: list[str]) -> None:
    """The reserved attempt ended without verifying a secret (an error): free its places."""
    with engine.connect() as connection:
        _end(connection, keys, failed=False)


def succeeded(session: Session, *, account_key: str, address_key: str) -> None:
    """Forget the account's failures and free the address's place, with the request.

    The account's row is locked first, then the address's, like everywhere else.
    In the request's transaction, not on a second connection: a request already holding a
    connection must not wait for another one (a full pool would never give it one).
    """
    session.execute(
        update(LoginAttempts)
        .where(LoginAttempts.key == account_key)
        .values(
            attempts=_less(LoginAttempts.pending),  # only other attempts in flight remain
            pending=_less(LoginAttempts.pending),
        )
    )
    session.execute(_ended(address_key, failed=False))
