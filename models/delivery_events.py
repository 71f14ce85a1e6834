"""The delivery feed's events (issue 16 point 4), written by the database itself.

Every ledger status change (a ``delivery`` row inserted, or its ``status`` changed by any UPDATE:
fan-out, dispatch, outcomes, callbacks, recovery, recall, resend, in-app reads) becomes one
``delivery_event`` row in the same transaction, through triggers, so no code path can forget one.

- **PostgreSQL**: statement-level triggers over transition tables, one set-based INSERT … SELECT
  per statement (a 500-row dispatch claim writes its 500 events in one statement, never 500 row
  triggers). PostgreSQL forbids ``UPDATE OF status`` with transition tables, so the update trigger
  joins old and new rows on id and keeps those whose status differs. Each event stores the
  writing transaction's id (``pg_current_xact_id()``, an xid8 as bigint) in ``tx``: sequence ids
  commit out of order, so the feed reads only transactions older than every one still running
  (domain/feed/reading.py) and orders by ``(tx, id)``.
- **SQLite** (one writer at a time): row triggers, ``tx`` is 0 and the id alone orders the feed.
  The table is AUTOINCREMENT, so an id is never reused once retention has emptied the table.

The school is the student's school for rows with a student; for a user recipient, their first
school by the district's sort order; otherwise NULL.

Retention prunes a prefix of the feed in ``(tx, id)`` order and records how far it went in
``delivery_feed_pruned``: a cursor behind that mark has lost events and is refused.

The migration (0029) installs the triggers; ``install_statements`` is also attached to
``metadata.create_all`` (benchmarks and throwaway databases) so every database with the table has them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DDL, Index, Integer, String, event
from sqlmodel import Field, SQLModel

from models.db import metadata, utcnow

#: A BIGINT id on PostgreSQL; SQLite needs INTEGER for an autoincrementing rowid alias.
EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")


class DeliveryEvent(SQLModel, table=True):
    """One change of one delivery's status: what the delivery feed pages and streams."""

    __tablename__ = "delivery_event"
    __table_args__ = (
        Index("ix_delivery_event_cursor", "tx", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=EVENT_ID)
    #: The writing transaction (PostgreSQL's xid8 as a bigint); 0 on SQLite.
    tx: int = Field(default=0, sa_type=BigInteger)
    # No foreign keys: the feed is a log (a key would check every one of 100k fan-out rows).
    delivery_id: int
    message_id: int
    school_id: int | None = None
    channel: str = Field(sa_type=String(8))
    status: str = Field(sa_type=String(16))
    reason: str | None = Field(default=None, max_length=200)
    occurred_at: dt.datetime = Field(default_factory=utcnow)


class DeliveryFeedPruned(SQLModel, table=True):
    """How far retention has pruned the feed (one row): a cursor before it has lost events."""

    __tablename__ = "delivery_feed_pruned"

    id: int | None = Field(default=None, primary_key=True)
    tx: int = Field(default=0, sa_type=BigInteger)
    event_id: int = Field(default=0, sa_type=BigInteger)
    pruned_at: dt.datetime = Field(default_factory=utcnow)


_COLUMNS = "tx, delivery_id, message_id, school_id, channel, status, reason, occurred_at"

#: PostgreSQL: the events of one statement's rows ``n`` (new versions), set-based. The student's
#: school is a subquery per row, an index lookup: as a join, the planner (which knows nothing of a
#: transition table's rows) hashed the whole student table for every statement, 10 ms of a 500-row
#: claim's 13 in a 50,000-student district (issue 20, migration 0042).
_PG_EVENTS = f"""
  INSERT INTO delivery_event ({_COLUMNS})
  SELECT pg_current_xact_id()::text::bigint, n.id, n.message_id,
         COALESCE((SELECT st.school_id FROM student st WHERE st.id = n.student_id), us.school_id),
         n.channel, n.status, n.reason, statement_timestamp()
  FROM %s
  LEFT JOIN LATERAL (SELECT u.school_id FROM user_school u JOIN school s ON s.id = u.school_id
                     WHERE n.student_id IS NULL AND n.recipient_kind = 'USER' AND u.user_id = n.recipient_id
                     ORDER BY s.sort_order, s.id LIMIT 1) us ON true
  %s
  ORDER BY n.id;
"""

PG_FUNCTIONS = {
    "homeroom_delivery_inserted": f"""
CREATE OR REPLACE FUNCTION homeroom_delivery_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_PG_EVENTS % ("inserted n", "")}
  RETURN NULL;
END $$;
""",
    "homeroom_delivery_status_changed": f"""
CREATE OR REPLACE FUNCTION homeroom_delivery_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_PG_EVENTS % ("changed n JOIN before_change o ON o.id = n.id", "WHERE o.status IS DISTINCT FROM n.status")}
  RETURN NULL;
END $$;
""",
}

PG_TRIGGERS = (
    "CREATE OR REPLACE TRIGGER delivery_event_insert AFTER INSERT ON delivery REFERENCING NEW TABLE AS inserted "
    "FOR EACH STATEMENT EXECUTE FUNCTION homeroom_delivery_inserted()",
    "CREATE OR REPLACE TRIGGER delivery_event_update AFTER UPDATE ON delivery "
    "REFERENCING OLD TABLE AS before_change NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION homeroom_delivery_status_changed()",
)

_SQLITE_SCHOOL = """CASE WHEN NEW.student_id IS NOT NULL THEN (SELECT school_id FROM student WHERE id = NEW.student_id)
       WHEN NEW.recipient_kind = 'USER' THEN (SELECT u.school_id FROM user_school u JOIN school s ON s.id = u.school_id
         WHERE u.user_id = NEW.recipient_id ORDER BY s.sort_order, s.id LIMIT 1) END"""
_SQLITE_EVENT = f"""INSERT INTO delivery_event ({_COLUMNS})
  VALUES (0, NEW.id, NEW.message_id, {_SQLITE_SCHOOL}, NEW.channel, NEW.status, NEW.reason,
          strftime('%Y-%m-%d %H:%M:%f000', 'now'));"""

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS delivery_event_insert AFTER INSERT ON delivery BEGIN {_SQLITE_EVENT} END",
    "CREATE TRIGGER IF NOT EXISTS delivery_event_update AFTER UPDATE OF status ON delivery "
    f"WHEN OLD.status IS NOT NEW.status BEGIN {_SQLITE_EVENT} END",
)


def install_statements(dialect: str) -> list[str]:
    """The DDL that makes ``dialect``'s database write the feed."""
    if dialect == "postgresql":
        return [*PG_FUNCTIONS.values(), *PG_TRIGGERS]
    return list(SQLITE_TRIGGERS)


def remove_statements(dialect: str) -> list[str]:
    drops = ["DROP TRIGGER IF EXISTS delivery_event_insert", "DROP TRIGGER IF EXISTS delivery_event_update"]
    if dialect == "postgresql":
        return [f"{drop} ON delivery" for drop in drops] + [f"DROP FUNCTION IF EXISTS {name}()" for name in PG_FUNCTIONS]
    return drops


def _install_after_create_all(target, connection, **_) -> None:
    """create_all (benchmarks, throwaway databases) gets the triggers the migration installs."""
    for statement in install_statements(connection.dialect.name):
        connection.execute(DDL(statement.replace("%", "%%")))


event.listen(metadata, "after_create", _install_after_create_all)
