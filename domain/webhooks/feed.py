"""The seam delivery.updated reads: the ledger changes after a cursor, for some schools.

``changes_after(session, after=cursor, school_ids=..., limit=...)`` answers the next changes in
order, each with the cursor that resumes after it; ``head(session, now)`` is the cursor of "now"
(a new endpoint starts there, not at the beginning of history). The pump keeps one cursor per
endpoint (``webhook_endpoint.feed_cursor``) and knows nothing else about where events come from.

INTERIM: this reads the ledger itself, ordered by (updated_at, id), and so sees a delivery's
latest status rather than every change, and only changes older than SETTLE_SECONDS (a change whose
transaction commits later than that behind a newer one would be missed). Issue 16 point 4's
``delivery_event`` table (one row per status change, written by triggers, cursor ordered by
transaction and id) replaces both functions' bodies at merge; their signatures and the event
shape stay.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from domain.webhooks.events import message_in_schools
from models.messaging import Delivery, Message

#: Changes younger than this are left for the next pump (see the module note).
SETTLE_SECONDS = 2.0
CURSOR_PREFIX = "l1:"


@dataclasses.dataclass(frozen=True)
class FeedChange:
    cursor: str
    event: dict


def _encode(at: dt.datetime, delivery_id: int) -> str:
    return f"{CURSOR_PREFIX}{at.astimezone(dt.UTC).isoformat()}|{delivery_id}"


def _decode(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if not cursor or not cursor.startswith(CURSOR_PREFIX):
        return None
    at, _, delivery_id = cursor.removeprefix(CURSOR_PREFIX).partition("|")
    return dt.datetime.fromisoformat(at), int(delivery_id)


def head(session: Session, now: dt.datetime) -> str:
    """The cursor after every change up to ``now``."""
    return _encode(now - dt.timedelta(seconds=SETTLE_SECONDS), 2**31 - 1)


def changes_after(session: Session, *, after: str | None, school_ids: frozenset[int] | None, limit: int,
                  now: dt.datetime) -> list[FeedChange]:
    """At most ``limit`` changes after ``after``, oldest first, of messages that concern
    ``school_ids`` (None: every school)."""
    start = _decode(after) or _decode(head(session, now))
    at, last_id = start
    query = (select(Delivery.id, Delivery.message_id, Delivery.channel, Delivery.status, Delivery.error_code,
                    Delivery.recipient_kind, Delivery.recipient_id, Delivery.updated_at)
             .join(Message, Message.id == Delivery.message_id)
             .where(or_(Delivery.updated_at > at, and_(Delivery.updated_at == at, Delivery.id > last_id)),
                    Delivery.updated_at <= now - dt.timedelta(seconds=SETTLE_SECONDS))
             .order_by(Delivery.updated_at, Delivery.id).limit(limit))
    if school_ids is not None:
        query = query.where(message_in_schools(school_ids))
    return [FeedChange(_encode(row.updated_at, row.id), {
        "deliveryId": str(row.id), "messageId": str(row.message_id), "channel": row.channel, "status": row.status,
        "errorCode": row.error_code, "recipientKind": row.recipient_kind, "recipientId": str(row.recipient_id),
        "updatedAt": row.updated_at.astimezone(dt.UTC).isoformat()}) for row in session.execute(query)]

