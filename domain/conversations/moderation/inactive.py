"""Messages of people made inactive (INB-24, MRG-02): they stay, readable by the other party, and
what those people sent that is still unread is marked read, so an account nobody can answer any
more leaves no unread count behind. Their role labels are computed when read (INB-23).

Called where statuses change (the OneRoster import, domain.integrations.oneroster.write), in the
caller's transaction, with two set-based statements however many messages those people sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy
from sqlalchemy import select, update
from sqlmodel import Session

from models.conversations import ThreadSide
from models.db import utcnow
from models.messaging import Channel, Delivery, DeliveryStatus, Message


def mark_read_from(connection: sqlalchemy.Connection | Session, *, user_ids: Collection[int],
                   at: dt.datetime | None = None) -> int:
    """Mark the unread in-app rows of messages ``user_ids`` sent as READ and clear the unread
    counts of their correspondents' sides; returns the rows marked."""
    users = sorted(set(user_ids))
    if not users:
        return 0
    at = at or utcnow()
    sent = select(Message.id).where(Message.sender_id.in_(users))
    marked = connection.execute(
        update(Delivery).where(Delivery.message_id.in_(sent), Delivery.channel == Channel.INAPP.value,
                               Delivery.status == DeliveryStatus.DELIVERED.value)
        .values(status=DeliveryStatus.READ.value, read_at=at, updated_at=at)
        .execution_options(synchronize_session=False)).rowcount
    # A side's unread messages are its correspondent's (one thread per pair), so every unread
    # message of a side whose correspondent is among ``users`` was just marked read.
    connection.execute(
        update(ThreadSide).where(ThreadSide.correspondent_id.in_(users), ThreadSide.unread_count > 0)
        .values(unread_count=0).execution_options(synchronize_session=False))
    return marked
