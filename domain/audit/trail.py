"""``record(...)``: one audit row per action, written in the action's own transaction.

``record`` only notes the entry on the session; the rows are appended by a ``before_commit`` hook,
so the chain's lock is taken as late as possible and held only while the transaction commits:

1. the session is flushed, and each entry's student set is written (an INSERT … SELECT for a
   set given as a query, so a 100,000-recipient send never brings its students into Python;
   members already stored are skipped by the INSERT itself);
2. the chain is locked: on PostgreSQL a transaction-level advisory lock, so concurrent writers
   append one after the other and the chain never forks; on SQLite the database's write lock
   (taken by a write that changes nothing, before the chain's tail is read);
3. the tail's hash is read, each entry hashed onto it, and every row inserted in one statement.

A rollback drops the entries (a savepoint's rollback drops those noted inside it), so an action
that writes nothing audits nothing. A disclosure (contact data shown, a partner key's read) is the
opposite: once its data is returned it happened, whatever the request's transaction does next, so
it is built with ``AuditEntry.now`` when it happens and written later by ``append`` in a
transaction of its own (the GraphQL context does so when the operation ends).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Integer, event, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from domain.audit.actions import Actor, AuditAction
from domain.audit.chain import AUDIT, STUDENT_SETS, pg_digest_of, row_hash, set_digest
from domain.audit.origin import RequestOrigin, current_origin
from models.audit import GENESIS_HASH
from models.db import utcnow
from models.directory import District

_PENDING = "homeroom.audit.pending"
#: The advisory lock that serialises appends to the chain (any fixed bigint; "HRAUDIT" in ASCII).
CHAIN_LOCK_KEY = 0x48524155444954

#: A student set: ids, or a query selecting them (one integer column; NULLs are ignored).
Students = Iterable[int] | Select | None


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """One audited action as it happened: its row's content but the hashes (and the set's digest)."""

    actor: Actor
    action: AuditAction
    object_type: str
    object_ids: tuple[int, ...]
    students: tuple[int, ...] | Select | None
    recipient_count: int | None
    origin: RequestOrigin
    occurred_at: dt.datetime

    @classmethod
    def now(cls, actor: Actor, action: AuditAction, *, object_type: str, object_ids: Iterable[int] = (),
            students: Students = None, recipient_count: int | None = None) -> AuditEntry:
        """The entry of an action happening now, from the request being served (its origin)."""
        if not isinstance(students, Select) and students is not None:
            students = tuple(sorted(set(students)))
        return cls(actor, action, object_type, tuple(object_ids), students, recipient_count, current_origin(),
                   utcnow())


def record(session: Session, actor: Actor, action: AuditAction, *, object_type: str,
           object_ids: Iterable[int] = (), students: Students = None, recipient_count: int | None = None) -> None:
    """Audit ``action`` in the session's transaction: the row is written when it commits, and
    never if it rolls back. ``students``: the students the action concerns (ids, or a query)."""
    _note(session, AuditEntry.now(actor, action, object_type=object_type, object_ids=object_ids,
                                  students=students, recipient_count=recipient_count))


def append(engine: Engine, entries: Iterable[AuditEntry]) -> None:
    """Write ``entries`` now, in a transaction of their own: disclosures that already happened, which
    nothing the caller rolls back afterwards may undo."""
    entries = list(entries)
    if not entries:
        return
    with Session(engine) as session:
        for entry in entries:
            _note(session, entry)
        session.commit()


def _note(session: Session, entry: AuditEntry) -> None:
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        if not event.contains(session, "before_commit", _append_pending):
            event.listen(session, "before_commit", _append_pending)
            event.listen(session, "after_soft_rollback", _drop_rolled_back)
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info[_PENDING].append((transaction, entry))


def record_on_connection(connection: Connection, actor: Actor, action: AuditAction, *, object_type: str,
                         object_ids: Iterable[int] = (), students: Students = None,
                         recipient_count: int | None = None) -> None:
    """``record`` for code that writes through a Core connection in a transaction of its own (the
    OneRoster import and export): the row is appended on ``connection`` now and commits or rolls
    back with its transaction, which the caller should end soon (the chain stays locked till then)."""
    with Session(bind=connection) as session:  # joins the connection's transaction; commits nothing itself
        record(session, actor, action, object_type=object_type, object_ids=object_ids, students=students,
               recipient_count=recipient_count)
        session.commit()


def _drop_rolled_back(session: Session, previous_transaction) -> None:
    """Entries noted in the rolled-back transaction, or in a savepoint inside it, go with it."""
    def inside(transaction) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(transaction, entry) for transaction, entry in pending if not inside(transaction)]


def _append_pending(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint released: the outer commit writes
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    connection = session.connection()
    entries = [entry for _, entry in pending]
    sets = [write_student_set(connection, entry.students) for entry in entries]
    district_id = None
    if any(entry.actor.district_id is None for entry in entries):
        district_id = connection.execute(select(District.id).order_by(District.id).limit(1)).scalar()
    _lock_chain(connection)
    prev = connection.execute(select(AUDIT.c.row_hash).order_by(AUDIT.c.id.desc()).limit(1)).scalar() or GENESIS_HASH
    rows = []
    for entry, (digest, count) in zip(entries, sets, strict=True):
        content = {
            "district_id": entry.actor.district_id or district_id, "actor_user_id": entry.actor.user_id,
            "actor_key_id": entry.actor.key_id, "action": entry.action.value, "object_type": entry.object_type,
            "object_ids": list(entry.object_ids), "students_digest": digest, "student_count": count,
            "recipient_count": entry.recipient_count, "request_id": entry.origin.request_id,
            "client_address": entry.origin.client_address, "occurred_at": entry.occurred_at,
        }
        digest_of_row = row_hash(prev, content)
        rows.append({**content, "prev_hash": prev, "row_hash": digest_of_row})
        prev = digest_of_row
    connection.execute(insert(AUDIT), rows)


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
    else:
        # SQLite: a write takes the database's write lock until the commit, so no other writer can
        # read the same tail. This one matches no row (no trigger fires) but still takes the lock.
        connection.exec_driver_sql("UPDATE audit_log SET id = id WHERE 0")


def write_student_set(connection: Connection, students: tuple[int, ...] | Select | None) -> tuple[str | None, int]:
    """Store a student set unless it is stored already; its (digest, size), (None, 0) when empty."""
    if students is None:
        return None, 0
    if isinstance(students, Select):
        return _write_selected_set(connection, students)
    if not students:
        return None, 0
    digest = set_digest(students)
    connection.execute(_insert_new_members(connection), [{"digest": digest, "student_id": s} for s in students])
    return digest, len(students)


def _write_selected_set(connection: Connection, students: Select) -> tuple[str | None, int]:
    source = students.subquery()
    column = list(source.c)[0]
    ids = select(column.label("student_id")).where(column.is_not(None)).distinct().subquery()
    if connection.dialect.name == "postgresql":
        count, digest = connection.execute(select(func.count(), pg_digest_of(ids.c.student_id))
                                           .select_from(ids)).one()
    else:
        members = connection.execute(select(ids.c.student_id)).scalars().all()
        count, digest = len(members), set_digest(members)
    if not count:
        return None, 0
    rows = select(literal(digest).label("digest"), ids.c.student_id.cast(Integer))
    connection.execute(_insert_new_members(connection).from_select(["digest", "student_id"], rows))
    return digest, count


def _insert_new_members(connection: Connection):
    """An INSERT that skips members already stored: a set audited again (or by a concurrent writer)
    is one statement that writes nothing, the same statement count whether it is new or not."""
    if connection.dialect.name == "postgresql":
        return pg_insert(STUDENT_SETS).on_conflict_do_nothing()
    return insert(STUDENT_SETS).prefix_with("OR IGNORE")
