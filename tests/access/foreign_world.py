"""The foreign world of the authorization walk (issue 17, "Proof: authorization walk"; PERM-06): one
row at the same explicit id, FOREIGN_ID, in every table whose rows an ID argument can name, all
belonging to another school and another user, and MISSING_ID, which no table holds.

What "foreign" means here. The deployment holds one district (every district read is
``select(District).one()``), so "another district" is not a thing a row can belong to; the world
is another school (id FOREIGN_ID) that no walking caller belongs to, with its own teacher (the user
FOREIGN_ID), student, section, groups, caller ID, partner key and webhook endpoint, and the
teacher's private draft (the message FOREIGN_ID, status DRAFT: a draft is its owner's alone,
domain.access.message_scope, so no walking role reaches it, district administrators included),
with its schedule, imported recipient, attachment, deliveries, thread and replies. Rows are made
generically from the tables' metadata (a table added later gets its row), with the few values
that keep the world inert set explicitly: no delivery or webhook message is left for a queue run
to pick up.

Tables left out, and why: ``district`` (one district, above); ``audit_log`` and
``audit_student_set`` (a hash chain: a row written outside it breaks its verification, and no ID
argument names an entry); ``delivery_event`` and ``delivery_feed_pruned`` (the feed's global
sequence: an event at FOREIGN_ID would be the newest for every cursor of later tests; the feed
takes schools and a cursor, not a row id); ``failed_call`` (a queue run turns it into a
re-enrolment notice); tables keyed by a string (forms by audience, opt-outs by address, grants by
permission), which no ID names.

Why FOREIGN_ID is above MISSING_ID: SQLite gives a new row max(id) + 1, so once a table holds
FOREIGN_ID the next row written (an allowed walker's) takes FOREIGN_ID + 1; an id below it stays
missing. On PostgreSQL an explicit id does not move the sequence, so nothing else is written at
either id during the walk; the rows are deleted again when the walk ends, so later tests see the
ids they would have seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import JSON, BigInteger, Integer, Table, delete, func, insert, or_, select

from models.db import metadata, session_scope

MISSING_ID = 900001
FOREIGN_ID = 900002
APPEND_ONLY = {"district", "audit_log", "audit_student_set"}
LEFT_OUT = {"district", "audit_log", "audit_student_set", "delivery_event", "delivery_feed_pruned", "failed_call"}
#: Values that make the world another school's teacher's private, finished business.
CHOSEN = {
    "app_user": {"role": "TEACHER", "status": "ACTIVE", "student_id": None},
    "school": {"exclude_from_communication": False},
    "student": {"status": "ACTIVE", "grade_level": "5"},
    "contact": {"status": "ACTIVE", "user_id": None},
    "profile": {"role": "TEACHER"},
    "message": {"status": "DRAFT", "scheduled_from_id": None, "thread_id": None},
    "delivery": {"status": "CANCELLED", "recipient_kind": "USER", "channel": "EMAIL"},
    "delivery_attempt": {"outcome": "SENT"},
    "thread_reply": {"correspondent_kind": "USER"},
    "webhook_endpoint": {"status": "DISABLED", "url": "https://hooks.example.org/foreign"},
    "webhook_message": {"status": "DELIVERED"},
    "reenrolment_request": {"status": "REPORTED", "audience": "CONTACT", "recipient_kind": "CONTACT"},
    "partner_key": {"scopes": "deliveries:read"},
    "portal_alert": {"kind": "FLAGGED"},
    "message_flag_event": {"action": "FLAGGED"},
    "message_schedule": {"recurrence": "NONE", "next_send_at": None},
    "fixed_asset": {"user_id": None},  # held by the foreign student (a student or a custodian, not both)
}


def world_tables() -> list[Table]:
    """The tables that get a FOREIGN_ID row, parents first: every table whose key columns are
    integers (its own id, or ids of other foreign rows), except those LEFT_OUT."""
    return [table for table in metadata.sorted_tables
            if table.name not in LEFT_OUT and all(_is_integer(column) for column in table.primary_key.columns)]


def _is_integer(column) -> bool:
    return isinstance(column.type, Integer | BigInteger)


def row_for(table: Table, existing: dict[str, int]) -> dict:
    """FOREIGN_ID in the key, every foreign key (a left-out table's: its ``existing`` row) and every
    other ``…_id`` column, a plain value in each other required column."""
    now = dt.datetime.now(dt.UTC)
    row = {}
    for column in table.columns:
        target = next(iter(column.foreign_keys)).column.table if column.foreign_keys else None
        if target is not None and target.name in LEFT_OUT:
            row[column.name] = existing[target.name]
        elif column.primary_key or (column.foreign_keys and not column.nullable):
            row[column.name] = FOREIGN_ID
        elif column.foreign_keys:
            row[column.name] = FOREIGN_ID if target is not table else None
        elif column.name.endswith("_id") and _is_integer(column):  # an id without a constraint (recipient_id)
            row[column.name] = FOREIGN_ID
        elif column.nullable or column.default is not None or column.server_default is not None:
            continue
        else:
            row[column.name] = _plain(column, table.name, now)
    row.update({name: value for name, value in CHOSEN.get(table.name, {}).items() if name in table.columns})
    return row


def _plain(column, table_name: str, now: dt.datetime):
    kind = getattr(column.type, "impl", column.type)  # SQLModel's AutoString decorates a String
    if isinstance(kind, JSON):
        return []
    python_type = kind.python_type
    values = {bool: False, int: 1, float: 1.0, dt.datetime: now, dt.date: now.date(), dt.time: dt.time(8, 0),
              bytes: b"foreign"}
    if python_type in values:
        return values[python_type]
    if python_type is str:
        text = f"foreign-{table_name}-{column.name}"
        return text[: kind.length] if getattr(kind, "length", None) else text
    raise TypeError(f"no plain value for {table_name}.{column.name} ({kind})")


def insert_world(engine) -> list[str]:
    """Insert the world; the names of the tables that got a row."""
    tables = world_tables()
    with session_scope(engine) as session:
        existing = {name: session.execute(select(func.min(metadata.tables[name].c.id))).scalar_one()
                    for name in LEFT_OUT if "id" in metadata.tables[name].c}
        for table in tables:
            session.execute(insert(table), [row_for(table, existing)])
    return [table.name for table in tables]


def set_message_status(engine, status: str) -> None:
    """The world's message as a private draft (DRAFT) or as sent and finished (COMPLETED)."""
    from models.messaging import Message

    with session_scope(engine) as session:
        message = session.get(Message, FOREIGN_ID)
        message.status = status
        message.completed_at = None if status == "DRAFT" else dt.datetime.now(dt.UTC)


def _naming_foreign(table: Table) -> Iterator:
    for column in table.columns:
        if _is_integer(column) and (column.primary_key or column.foreign_keys or column.name.endswith("_id")):
            yield column == FOREIGN_ID


def remove_world(engine) -> None:
    """Delete the world's rows, the feed events its delivery's insert wrote (the ledger's trigger),
    and any row that points at one (children first); the audit trail is append-only and kept."""
    with session_scope(engine) as session:
        for table in reversed(metadata.sorted_tables):
            conditions = list(_naming_foreign(table))
            if conditions and table.name not in APPEND_ONLY:
                session.execute(delete(table).where(or_(*conditions)))
