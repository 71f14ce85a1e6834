"""Bulk writes of dispatch outcomes to the ledger, fast on both backends.

A chunk of 500 outcomes is one statement either way. On PostgreSQL the rows travel as one JSON
parameter (an array of arrays, encoded by the C json encoder) that the statement unpacks with
``json_array_elements``, and the statement text never changes, so nothing is compiled per chunk.
(A VALUES list of 2,500 bound parameters cost ~30 ms of Python per chunk to compile; one array
parameter per column still cost ~12 ms to dump, element by element, for the attempts alone.) On
SQLite, in-process, an executemany of a prepared statement is the fast path.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, text, update
from sqlalchemy.engine import Connection

from models.messaging import Delivery, DeliveryAttempt, DeliveryStatus as DS

_PG_OUTCOMES = text("""
    UPDATE delivery AS d
       SET status = o.row->>1, provider_id = o.row->>2, error_code = o.row->>3, reason = o.row->>4,
           updated_at = :now, sent_at = CASE WHEN o.row->>1 = 'SENT' THEN :now ELSE d.sent_at END
      FROM json_array_elements(CAST(:outcomes AS json)) AS o(row)
     WHERE d.id = (o.row->>0)::integer AND d.status = 'SENDING'
""")

_PG_ATTEMPTS = text("""
    INSERT INTO delivery_attempt (delivery_id, plugin, outcome, provider_id, code, detail, started_at, finished_at)
    SELECT (a.row->>0)::integer, a.row->>1, a.row->>2, a.row->>3, a.row->>4, a.row->>5,
           (a.row->>6)::timestamptz, (a.row->>7)::timestamptz
      FROM json_array_elements(CAST(:attempts AS json)) AS a(row)
""")

ATTEMPT_COLUMNS = ("delivery_id", "plugin", "outcome", "provider_id", "code", "detail", "started_at", "finished_at")


def id_in(column, ids: list[int], dialect: str):
    """``column IN ids`` as one array parameter on PostgreSQL (a statement text that never
    changes), an expanding IN elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam("chunk_ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def write_outcomes(connection: Connection, outcomes: list[tuple], now: dt.datetime) -> None:
    """``outcomes`` are (id, status, provider_id, error_code, reason) tuples."""
    if not outcomes:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_OUTCOMES, {"outcomes": json.dumps(outcomes), "now": now})
        return
    statement = update(Delivery).where(Delivery.id == bindparam("o_id"), Delivery.status == DS.SENDING.value).values(
        status=bindparam("o_status"), provider_id=bindparam("o_provider_id"), error_code=bindparam("o_code"),
        reason=bindparam("o_reason"), updated_at=now,
        sent_at=func.coalesce(bindparam("o_sent_at", type_=Delivery.__table__.c.sent_at.type), Delivery.sent_at))
    connection.execute(statement, [
        {"o_id": i, "o_status": s, "o_provider_id": p, "o_code": c, "o_reason": r,
         "o_sent_at": now if s == DS.SENT.value else None}
        for i, s, p, c, r in outcomes])


def write_attempts(connection: Connection, attempts: list[dict]) -> None:
    if not attempts:
        return
    if connection.dialect.name == "postgresql":
        stamps: dict[dt.datetime, str] = {}  # a chunk has one start and a finish per plugin call

        def stamp(moment: dt.datetime) -> str:
            return stamps.get(moment) or stamps.setdefault(moment, moment.isoformat())

        connection.execute(_PG_ATTEMPTS, {"attempts": json.dumps([
            [a["delivery_id"], a["plugin"], a["outcome"], a["provider_id"], a["code"], a["detail"],
             stamp(a["started_at"]), stamp(a["finished_at"])] for a in attempts])})
        return
    connection.execute(DeliveryAttempt.__table__.insert(), attempts)
