"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import time
import weakref
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, create_engine

metadata = SQLModel.metadata

#: The largest id a row can have: ids are INTEGER columns (32-bit on PostgreSQL). A larger id
#: names no row; parsing one must not reach the database (SQLite cannot bind past 2^63).
MAX_ROW_ID = 2**31 - 1


def row_id(value: object) -> int | None:
    """The id ``value`` spells in ASCII digits (optionally negative), or None when it is not one:
    not a number, or past MAX_ROW_ID (so it names no row and never reaches the database)."""
    text = str(value).strip() if value is not None else ""
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10 or int(digits) > MAX_ROW_ID:
        return None
    return int(text)
#: A thread waits at most this long for a pooled connection, then fails its request (30 s by
#: default). Only worker threads ever wait: nothing on the event loop checks a connection out.
POOL_TIMEOUT_SECONDS = 10


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the in-process worker writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


#: When the operation running in this context must end (``time.monotonic()``), or None. The GraphQL
#: layer sets it for a query or mutation (its execution timeout, issue 17 point 6); a statement
#: that would start after it is refused with DeadlinePassed, so a timed-out operation writes no more.
statement_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("statement_deadline", default=None)

#: PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (query_canceled).
QUERY_CANCELED = "57014"


class DeadlinePassed(Exception):
    """A statement was about to start after its operation's deadline (statement_deadline)."""


def _refuse_statements_past_the_deadline(_connection, _cursor, _statement, _parameters, _context, _many) -> None:
    deadline = statement_deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlinePassed("the operation's time is up")


def is_statement_timeout(error: BaseException | None) -> bool:
    """Whether ``error`` is a statement PostgreSQL cancelled at its statement timeout, or one refused
    because its operation's deadline had passed."""
    if isinstance(error, DeadlinePassed):
        return True
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) == QUERY_CANCELED


def make_engine(url: str) -> Engine:
    """The engine for ``url``. Its errors never quote bound parameters (``hide_parameters``): a
    failed statement's names, addresses or message bodies would otherwise reach the logs with its
    traceback (issue 16 point 8). A statement that would start after its operation's deadline
    (statement_deadline) is refused; on PostgreSQL, set_statement_timeout bounds each statement."""
    engine = _make_engine(url)
    event.listen(engine, "before_cursor_execute", _refuse_statements_past_the_deadline)
    if not url.startswith("sqlite"):
        event.listen(engine, "checkout", functools.partial(_apply_statement_timeout, weakref.ref(engine)))
    return engine


#: Each PostgreSQL engine's statement timeout, in milliseconds (set_statement_timeout).
_statement_timeouts: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


def set_statement_timeout(engine: Engine, seconds: float | None) -> None:
    """PostgreSQL cancels any statement on ``engine``'s connections that runs longer than ``seconds``
    (None or 0: never), from each connection's next checkout on. SQLite has no statement timeout:
    nothing changes there."""
    _statement_timeouts[engine] = max(1, round(seconds * 1000)) if seconds else 0


def _apply_statement_timeout(engine_ref: weakref.ref, dbapi_connection, record, _proxy) -> None:
    """At checkout, once per connection and value: a SET on the driver's own cursor, committed (SET
    is transactional), outside SQLAlchemy's execution, so statement counts do not see it."""
    engine = engine_ref()
    wanted = _statement_timeouts.get(engine, 0) if engine is not None else 0
    if record.info.get("statement_timeout_ms", 0) != wanted:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET statement_timeout = {int(wanted)}")
        finally:
            cursor.close()
        if not dbapi_connection.autocommit:
            dbapi_connection.commit()
        record.info["statement_timeout_ms"] = wanted


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")  # a single-connection pool, no checkout wait
        # A file's pool is as large as PostgreSQL's (20), above the GraphQL and subscription threads.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, hide_parameters=True,
                               **({} if in_memory else {"pool_size": 10, "max_overflow": 10,
                                                        "pool_timeout": POOL_TIMEOUT_SECONDS}))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # JIT compilation is off: recipient resolution's recursive sibling walk is estimated at millions
    # of rows, which makes PostgreSQL spend ~0.6 s compiling a query that runs in ~0.6 s (bench/recipients.py).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=POOL_TIMEOUT_SECONDS,
                         connect_args={"options": "-c jit=off"}, hide_parameters=True)


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
