"""The claim: one conditional UPDATE … RETURNING that moves a chunk's deliveries QUEUED → SENDING,
or → OPTED_OUT for an address that opted out after fan-out (an SMS STOP, an unsubscribe; an
emergency SMS is still sent, as at resolution). Only the rows one call moved are its to send, so
two workers given the same ids never send the same delivery twice, and a delivery already SENT is
never sent again (JOB-05).

On PostgreSQL the opt-out decision is made once per row: the three columns it sets are one row
sub-select (``SET (status, reason, attempts) = (SELECT …)``) over the decision, kept a subquery by
``OFFSET 0`` (flattened, the planner would copy the lookup into each column again), where three
``CASE WHEN EXISTS`` made it run the opt-out lookup three times per row. It returns only what envelopes
need (``CLAIMED_COLUMNS``); insert fields read their few extra columns only when a text has them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, and_, case, exists, func, not_, select, text, true, update
from sqlalchemy.engine import Connection

from domain.delivery.sending.ledger_writes import id_in
from models.messaging import Channel, ChannelOptOut, Delivery, DeliveryStatus as DS, Message

OPTED_OUT_LATE = "opted out after the message was planned"

#: What a claimed row carries: what envelopes and the outcome's decision read.
CLAIMED_COLUMNS = ("id", "message_id", "channel", "address", "recipient_name", "language", "attempts", "status")

_PG_CLAIM = text(f"""
UPDATE delivery AS d
   SET (status, reason, attempts) = (
           SELECT CASE WHEN x.opted_out THEN 'OPTED_OUT' ELSE 'SENDING' END,
                  CASE WHEN x.opted_out THEN :late ELSE d.reason END,
                  d.attempts + CASE WHEN x.opted_out THEN 0 ELSE 1 END
             FROM (SELECT EXISTS (
                       SELECT 1 FROM channel_opt_out AS c
                        WHERE c.channel = d.channel AND c.address = lower(d.address)
                          AND NOT (c.channel = 'SMS' AND EXISTS (
                              SELECT 1 FROM message AS m WHERE m.id = d.message_id AND m.emergency))
                   ) AS opted_out OFFSET 0) AS x),
       updated_at = :now
 WHERE d.id = ANY(CAST(:ids AS integer[])) AND d.status = 'QUEUED'
RETURNING {", ".join(f"d.{column}" for column in CLAIMED_COLUMNS)}
""")


def claim_rows(connection: Connection, delivery_ids: list[int], now: dt.datetime) -> list[Row]:
    """Every row this call moved out of QUEUED (SENDING or OPTED_OUT), with ``CLAIMED_COLUMNS``."""
    if connection.dialect.name == "postgresql":
        return connection.execute(_PG_CLAIM, {"ids": list(delivery_ids), "now": now, "late": OPTED_OUT_LATE}).all()
    emergency_sms = and_(ChannelOptOut.channel == Channel.SMS.value, exists(select(Message.id).where(
        Message.id == Delivery.message_id, Message.emergency == true()).correlate_except(Message)))
    opted_out = exists(select(ChannelOptOut.address).where(
        ChannelOptOut.channel == Delivery.channel, ChannelOptOut.address == func.lower(Delivery.address),
        not_(emergency_sms)))
    return connection.execute(
        update(Delivery.__table__)
        .where(id_in(Delivery.id, delivery_ids, connection.dialect.name), Delivery.status == DS.QUEUED.value)
        .values(status=case((opted_out, DS.OPTED_OUT.value), else_=DS.SENDING.value),
                reason=case((opted_out, OPTED_OUT_LATE), else_=Delivery.reason),
                attempts=Delivery.attempts + case((opted_out, 0), else_=1), updated_at=now)
        .returning(*(Delivery.__table__.c[column] for column in CLAIMED_COLUMNS))
    ).all()
