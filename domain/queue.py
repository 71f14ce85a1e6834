"""The communication queue: what a queue run (JOB/SCH "the queue runs every N seconds") hands to
dispatch. The database is the source of truth: a run that dies, or a queue message that is lost,
is made good by the next run.

- Deferred deliveries whose call window has opened become QUEUED (SYS-01).
- QUEUED deliveries that nobody claimed for a while (their dispatch job was lost, say with a Redis
  restart) are handed out again; dispatch's conditional claim means a repeat never sends twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import or_, select, update
from sqlmodel import Session

from models.messaging import Delivery, DeliveryStatus as DS, Message, MessageStatus

#: A QUEUED delivery untouched this long lost its dispatch job (a retry waits for its not_before).
STALE_QUEUED_AFTER = dt.timedelta(minutes=10)


@dataclasses.dataclass(frozen=True)
class Due:
    released: int
    chunks: list[list[int]]


def release_deferred(session: Session, now: dt.datetime) -> list[tuple[int, str]]:
    """DEFERRED → QUEUED, in one statement, for every delivery whose window opened by ``now``."""
    return [(row.id, row.channel) for row in session.execute(
        update(Delivery)
        .where(Delivery.status == DS.DEFERRED.value, Delivery.not_before <= now)
        .values(status=DS.QUEUED.value, updated_at=now)
        .returning(Delivery.id, Delivery.channel)
    ).all()]


def stale_queued(session: Session, now: dt.datetime, older_than: dt.timedelta = STALE_QUEUED_AFTER):
    """QUEUED deliveries not touched for ``older_than``: their dispatch job went missing."""
    return [tuple(row) for row in session.execute(
        select(Delivery.id, Delivery.channel)
        # Through the messages still sending (few), so the ledger's (message_id, status) index serves.
        .where(Delivery.message_id.in_(select(Message.id).where(Message.status == MessageStatus.SENDING.value)),
               Delivery.status == DS.QUEUED.value, Delivery.updated_at < now - older_than,
               or_(Delivery.not_before.is_(None), Delivery.not_before <= now))
        .order_by(Delivery.id)
    ).all()]


def chunk_by_channel(rows, chunk_size: int) -> list[list[int]]:
    """Delivery ids grouped by channel, ``chunk_size`` at most per chunk, in id order."""
    chunks: list[list[int]] = []
    for channel in sorted({channel for _, channel in rows}):
        ids = sorted(delivery_id for delivery_id, row_channel in rows if row_channel == channel)
        chunks += [ids[start:start + chunk_size] for start in range(0, len(ids), chunk_size)]
    return chunks


def due_work(session: Session, now: dt.datetime, chunk_size: int) -> Due:
    """Release what the window let through and collect every chunk dispatch should be given."""
    released = release_deferred(session, now)
    stale = stale_queued(session, now)
    return Due(len(released), chunk_by_channel(released + stale, chunk_size))
