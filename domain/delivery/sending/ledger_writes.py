"""Bulk writes of dispatch outcomes to the ledger, fast on both backends.

A chunk's outcomes are gathered as ``LedgerRow`` dicts, one per delivery handed to a plugin. On
PostgreSQL the whole record is **one statement, one round trip** (``_PG_RECORD``): a data-modifying
CTE writes every delivery's outcome (and a retry's ``not_before``), inserts every attempt, and lowers
the open counter of each message by the deliveries that reached a final status, completing it at
nought. The rows travel as one JSON parameter (the C json encoder), unpacked once by
``json_to_recordset``; the statement text never changes, so nothing is compiled per chunk. (A
VALUES list of 2,500 bound parameters cost ~30 ms of Python per chunk to compile; one array
parameter per column still cost ~12 ms to dump.) The counter is lowered by the rows the UPDATE
really moved from SENDING, so an outcome for a row someone else already settled (a rescue of a
worker that seemed dead) is not counted twice. On SQLite, in-process, executemany of prepared
statements is the fast path, and the caller settles the counters by the same rule.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import TypedDict

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, select, text, update
from sqlalchemy.engine import Connection

from models.messaging import Delivery, DeliveryAttempt, DeliveryStatus as DS


class LedgerRow(TypedDict, total=False):
    """One delivery's outcome and attempt, in the short keys the JSON parameter carries (a key
    whose value would be None is left out: json_to_recordset reads it as NULL)."""

    i: int  # delivery id
    s: str  # its new status
    p: str  # the provider's id
    c: str  # the delivery's error code
    r: str  # the delivery's reason (the outcome's detail)
    a: str  # the attempt's outcome
    ac: str  # the attempt's code (the plugin's own)
    ad: str  # the attempt's detail
    f: int  # which plugin call (1-based), for the attempt's plugin and finish time
    nb: float  # a retry: seconds after the call finished before it may go again


#: One round trip: outcomes, retries' not_before, attempts, and the messages' open counters (and
#: completion: in-app rows filed, SENDING, nothing open; domain.delivery.policy.nothing_open).
_PG_RECORD = text("""
WITH o AS (
    SELECT * FROM json_to_recordset(CAST(:rows AS json))
        AS o(i integer, s text, p text, c text, r text, a text, ac text, ad text, f integer, nb float8)
), moved AS (
    UPDATE delivery AS d
       SET status = o.s, provider_id = o.p, error_code = o.c, reason = o.r, updated_at = :now,
           sent_at = CASE WHEN o.s = 'SENT' THEN :now ELSE d.sent_at END,
           not_before = CASE WHEN o.nb IS NULL THEN d.not_before
                             ELSE (CAST(:finished AS timestamptz[]))[o.f] + make_interval(secs => o.nb) END
      FROM o
     WHERE d.id = o.i AND d.status = 'SENDING'
 RETURNING d.message_id, d.status
), attempts AS (
    INSERT INTO delivery_attempt (delivery_id, plugin, outcome, provider_id, code, detail, started_at, finished_at)
    SELECT o.i, (CAST(:plugins AS text[]))[o.f], o.a, o.p, o.ac, o.ad, :started,
           (CAST(:finished AS timestamptz[]))[o.f]
      FROM o
), settled AS (
    SELECT message_id, count(*) AS n FROM moved WHERE status <> 'QUEUED' GROUP BY message_id
)
UPDATE message AS m
   SET open_deliveries = m.open_deliveries - s.n,
       status = CASE WHEN m.status = 'SENDING' AND m.in_app_filed_at IS NOT NULL
                          AND m.open_deliveries - s.n <= 0 THEN 'COMPLETED' ELSE m.status END,
       completed_at = CASE WHEN m.status = 'SENDING' AND m.in_app_filed_at IS NOT NULL
                                AND m.open_deliveries - s.n <= 0 THEN :now ELSE m.completed_at END
  FROM settled AS s
 WHERE m.id = s.message_id
RETURNING m.id, m.status = 'COMPLETED' AND m.completed_at = :now AS completed
""")


def id_in(column, ids: list[int], dialect: str):
    """``column IN ids`` as one array parameter on PostgreSQL (a statement text that never
    changes), an expanding IN elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam("chunk_ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def record_in_one_statement(connection: Connection, rows: list[LedgerRow], calls: list[tuple[str, dt.datetime]],
                            started: dt.datetime, now: dt.datetime) -> list[int]:
    """PostgreSQL: write ``rows`` (their ``f`` indexes ``calls``, (plugin, finished) pairs) and
    settle their messages in one statement; returns the messages it completed."""
    if not rows:
        return []
    payload = json.dumps(rows, separators=(",", ":"))
    if "\\u0000" in payload:  # PostgreSQL's text refuses NUL: a provider's reply may carry one
        payload = json.dumps([{key: value.replace("\x00", "") if isinstance(value, str) else value
                               for key, value in row.items()} for row in rows], separators=(",", ":"))
    result = connection.execute(_PG_RECORD, {
        "rows": payload, "plugins": [plugin for plugin, _ in calls],
        "finished": [finished for _, finished in calls], "started": started, "now": now})
    return [message_id for message_id, completed in result if completed]


def write_rows(connection: Connection, rows: list[LedgerRow], calls: list[tuple[str, dt.datetime]],
               started: dt.datetime, now: dt.datetime) -> Counter:
    """SQLite: the same writes as ``record_in_one_statement`` but the messages' counters, as
    executemany of prepared statements. Returns, per message, the deliveries it moved from SENDING
    to a final status, for the caller to settle (SQLite has one writer: what is SENDING when read
    is what the UPDATE moves)."""
    if not rows:
        return Counter()
    connection.execute(DeliveryAttempt.__table__.insert(), [
        {"delivery_id": row["i"], "plugin": calls[row["f"] - 1][0], "outcome": row["a"],
         "provider_id": row.get("p"), "code": row.get("ac"), "detail": row.get("ad"), "started_at": started,
         "finished_at": calls[row["f"] - 1][1]} for row in rows])
    # Read after the first write: the transaction holds SQLite's write lock now, so no one else
    # can move these rows between this read and the UPDATE below.
    final = {row["i"] for row in rows if row["s"] != DS.QUEUED.value}
    settled = Counter(connection.execute(select(Delivery.message_id).where(
        Delivery.id.in_(final), Delivery.status == DS.SENDING.value)).scalars()) if final else Counter()
    statement = update(Delivery).where(Delivery.id == bindparam("o_id"), Delivery.status == DS.SENDING.value).values(
        status=bindparam("o_status"), provider_id=bindparam("o_provider_id"), error_code=bindparam("o_code"),
        reason=bindparam("o_reason"), updated_at=now,
        sent_at=func.coalesce(bindparam("o_sent_at", type_=Delivery.__table__.c.sent_at.type), Delivery.sent_at))
    connection.execute(statement, [
        {"o_id": row["i"], "o_status": row["s"], "o_provider_id": row.get("p"), "o_code": row.get("c"),
         "o_reason": row.get("r"), "o_sent_at": now if row["s"] == DS.SENT.value else None} for row in rows])
    retries = [{"retry_id": row["i"], "retry_at": calls[row["f"] - 1][1] + dt.timedelta(seconds=row["nb"])}
               for row in rows if row.get("nb") is not None]
    if retries:
        connection.execute(update(Delivery).where(Delivery.id == bindparam("retry_id"))
                           .values(not_before=bindparam("retry_at")), retries)
    return settled
