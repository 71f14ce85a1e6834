"""Bulk writes of dispatch outcomes to the ledger, fast on both backends.

A chunk of 500 outcomes is one statement either way. On PostgreSQL each column travels as one
array parameter and the statement text never changes, so neither SQLAlchemy nor psycopg compiles
anything per chunk (a VALUES list of 2,500 bound parameters cost ~30 ms of Python per chunk to
compile). On SQLite, in-process, an executemany of a prepared statement is the fast path.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, text, update
from sqlalchemy.engine import Connection

from models.messaging import Delivery, DeliveryAttempt, DeliveryStatus as DS

_PG_OUTCOMES = text("""
    UPDATE delivery AS d
       SET status = o.status, provider_id = o.provider_id, error_code = o.error_code, reason = o.reason,
           updated_at = :now, sent_at = CASE WHEN o.status = 'SENT' THEN :now ELSE d.sent_at END
      FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS text[]), CAST(:provider_ids AS text[]),
                  CAST(:error_codes AS text[]), CAST(:reasons AS text[]))
           AS o(id, status, provider_id, error_code, reason)
     WHERE d.id = o.id AND d.status = 'SENDING'
""")

_PG_ATTEMPTS = text("""
    INSERT INTO delivery_attempt (delivery_id, plugin, outcome, provider_id, code, detail, started_at, finished_at)
    SELECT * FROM unnest(CAST(:delivery_ids AS integer[]), CAST(:plugins AS text[]), CAST(:outcomes AS text[]),
                         CAST(:provider_ids AS text[]), CAST(:codes AS text[]), CAST(:details AS text[]),
                         CAST(:started AS timestamptz[]), CAST(:finished AS timestamptz[]))
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
        ids, statuses, provider_ids, codes, reasons = (list(column) for column in zip(*outcomes, strict=True))
        connection.execute(_PG_OUTCOMES, {"ids": ids, "statuses": statuses, "provider_ids": provider_ids,
                                          "error_codes": codes, "reasons": reasons, "now": now})
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
        columns = {name: [attempt[name] for attempt in attempts] for name in ATTEMPT_COLUMNS}
        connection.execute(_PG_ATTEMPTS, {
            "delivery_ids": columns["delivery_id"], "plugins": columns["plugin"], "outcomes": columns["outcome"],
            "provider_ids": columns["provider_id"], "codes": columns["code"], "details": columns["detail"],
            "started": columns["started_at"], "finished": columns["finished_at"]})
        return
    connection.execute(DeliveryAttempt.__table__.insert(), attempts)
