"""INSERTs that skip rows a unique key already holds (ON CONFLICT DO NOTHING, which SQLite and
PostgreSQL both speak): a write repeated by a retried job, a double click or two racing requests
ends as one row instead of a duplicate or an IntegrityError."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_once(session: Session, table):
    """An INSERT into ``table`` that skips rows conflicting with any of its unique keys.

    On SQLite, an INSERT … SELECT built from it needs a WHERE on the SELECT: without one SQLite
    reads ON CONFLICT as the ON of a join."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()
