"""Engines and sessions. SQLite gets foreign keys, WAL and a busy timeout on every connection.

Writes go through ``run_write``: one transaction (``write_scope``: on SQLite it takes the
write lock up front with BEGIN IMMEDIATE) re-run with exponential backoff and jitter while
the database reports a transient failure: SQLite busy/locked, a PostgreSQL serialization
failure or deadlock, or a unique-key race on a row that every writer looks up before
inserting (the next public id, a place, an actor, a source).
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    wait_random_exponential,
)

from incidents.config import mask_url
from incidents.errors import DatabaseError

BUSY_TIMEOUT_MS = 30_000
# How long a write keeps retrying transient failures before it reports the database busy.
RETRY_SECONDS = 120.0
RETRY_FIRST_WAIT = 0.02
RETRY_MAX_WAIT = 2.0

# Tables whose unique keys are get-or-create: a writer looks the key up, then inserts it.
# Two PostgreSQL transactions can both miss it; the re-run finds the row the other stored.
RACY_TABLES = frozenset(
    {"incidents", "places", "place_names", "actors", "actor_aliases", "sources"}
)
_PG_TRANSIENT = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

log = logging.getLogger("incidents.db")
T = TypeVar("T")


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite quirk).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
    # Distance filters need trigonometry; not every SQLite build has math functions.
    for name, fn in (
        ("radians", math.radians),
        ("sin", math.sin),
        ("cos", math.cos),
        ("asin", math.asin),
        ("sqrt", math.sqrt),
    ):
        dbapi_conn.create_function(name, 1, fn, deterministic=True)


def _sqlite_begin(conn: Any) -> None:
    # write_scope asks for IMMEDIATE: the busy timeout then applies to taking the write
    # lock, instead of a deferred read->write upgrade failing at once with SQLITE_BUSY.
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".rstrip())


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; for SQLite, create the parent directory first."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise DatabaseError(f"unsupported database {mask_url(url)}: use SQLite or PostgreSQL")


def check_connection(engine: Engine) -> None:
    """Connect once, turning driver errors into one readable line."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open {mask_url(str(engine.url))}: {reason}") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to ``engine`` whose objects stay usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """One write transaction; on SQLite it holds the write lock from its first statement."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with session_factory(engine)() as session, session.begin():
        yield session


def _unique_table(exc: IntegrityError) -> str | None:
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:
        if getattr(orig, "sqlstate", None) != _PG_UNIQUE_VIOLATION:
            return None
        table: str | None = diag.table_name
        return table
    # SQLite: "UNIQUE constraint failed: places.gazetteer_id"
    message = str(orig)
    if message.startswith("UNIQUE constraint failed: "):
        return message.removeprefix("UNIQUE constraint failed: ").split(".", 1)[0]
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether re-running the whole transaction may succeed where this attempt failed."""
    if isinstance(exc, IntegrityError):
        return _unique_table(exc) in RACY_TABLES
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_TRANSIENT:
        return True
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        return code in _SQLITE_BUSY_CODES or "database is locked" in str(orig)
    return False


def _reason(exc: BaseException | None) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return str(orig).strip().splitlines()[0] if orig else "unknown error"


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    exc = outcome.exception() if outcome else None
    log.info("write retry %d after %s", state.attempt_number, _reason(exc))


def run_write(engine: Engine, work: Callable[[Session], T], *, seconds: float = RETRY_SECONDS) -> T:
    """Run ``work(session)`` in a ``write_scope``, re-running it on transient errors.

    Each attempt is a fresh transaction, so ``work`` must not keep state between calls.
    Domain errors and other database errors propagate at once; after ``seconds`` of
    transient failures a DatabaseError says the database stayed busy.
    """

    def attempt() -> T:
        with write_scope(engine) as session:
            return work(session)

    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_delay(seconds),
        wait=wait_random_exponential(multiplier=RETRY_FIRST_WAIT, max=RETRY_MAX_WAIT),
        before_sleep=_log_retry,
    )
    started = time.monotonic()
    try:
        return retrying(attempt)
    except RetryError as exc:
        last = exc.last_attempt
        raise DatabaseError(
            f"{mask_url(str(engine.url))} stayed busy: gave up after {last.attempt_number} "
            f"attempts in {time.monotonic() - started:.0f} s ({_reason(last.exception())})"
        ) from None
