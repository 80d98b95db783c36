"""Database engine and sessions: an SQLite file by default, PostgreSQL through ``DATABASE_URL``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from api import models  # noqa: F401  (registers every table on SQLModel.metadata)

__all__ = ["DATABASE_UNAVAILABLE", "create_db_engine", "database_unavailable", "init_db", "session_scope"]

SQLITE_BUSY_TIMEOUT_MS = 5_000


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings Guilu relies on.

    SQLite: WAL journal, foreign keys enforced, a busy timeout so concurrent
    writers wait instead of failing.  PostgreSQL: pre-ping so a restarted
    server is noticed instead of surfacing a dead connection.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def init_db(engine: Engine) -> None:
    """Bring the schema up to date: every migration not yet applied (:func:`api.migrate.upgrade`)."""
    from api.migrate import upgrade

    upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# The error code, message and Retry-After (seconds) of a request that failed because the database could not serve it.
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable at the moment; retry shortly."
DATABASE_RETRY_AFTER_S = 1


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database could not serve the request for now, not that the request was wrong.

    PostgreSQL: the connection failed or was lost (server down, restarting, shutting down), or the server
    cancelled the transaction to be retried (deadlock, serialization failure, statement timeout): psycopg's
    ``OperationalError`` family.  SQLite: the file stayed locked past the busy timeout.  Either: no pooled
    connection came free in time.  The driver's errors count whether SQLAlchemy wrapped them or not.
    """
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        original: BaseException | None = error.orig
    else:
        original = error  # raised by a plain DBAPI cursor (the candidate index streams talents through one)
    if isinstance(original, psycopg.OperationalError):
        return True
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)
