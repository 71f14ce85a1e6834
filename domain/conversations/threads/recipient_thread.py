"""Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).

A batch message yields one delivery per resolved recipient and channel; the conversation between
the sender and a recipient is every message of that sender with a delivery to that recipient. It is
a view of the ledger, so fan-out writes nothing extra however many recipients a message has.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from sqlalchemy import exists, select
from sqlmodel import Session

from domain.support.keyset import KeysetList

from models.messaging import Delivery, Message, RecipientKind
from models.conversations import ThreadReply


@dataclasses.dataclass(frozen=True)
class ThreadEntry:
    message: Message
    deliveries: list[Delivery]


def replies_from(staff_user_id: int, kind: RecipientKind, recipient_id: int) -> KeysetList:
    """The recipient's answers in the conversation, newest first (CMP-19, CMP-20)."""
    return KeysetList(select(ThreadReply).where(ThreadReply.staff_user_id == staff_user_id,
                                                ThreadReply.correspondent_kind == kind.value,
                                                ThreadReply.correspondent_id == recipient_id),
                      ThreadReply.id, newest_first=True)


def _reached(kind: RecipientKind, recipient_id: int):
    return exists(select(Delivery.id).where(
        Delivery.message_id == Message.id, Delivery.recipient_id == recipient_id,
        Delivery.recipient_kind == kind.value))


def sent_thread(session: Session, sender_id: int, kind: RecipientKind, recipient_id: int) -> KeysetList:
    """The sender's own messages (not those sent as the district or a school) that reached the
    recipient, newest first, each with its deliveries to that recipient: two statements a page
    whatever its size."""
    # CMP-13/CMP-14: a message sent as the district or a school is not in the sender's threads.
    where = [Message.sender_id == sender_id, _reached(kind, recipient_id), Message.send_as_district.is_(False),
             Message.send_as_school_id.is_(None)]

    def with_deliveries(messages: list[Message]) -> list[ThreadEntry]:
        deliveries: dict[int, list[Delivery]] = defaultdict(list)
        for delivery in session.execute(
            select(Delivery).where(Delivery.message_id.in_([m.id for m in messages]),
                                   Delivery.recipient_id == recipient_id, Delivery.recipient_kind == kind.value)
            .order_by(Delivery.id)
        ).scalars():
            deliveries[delivery.message_id].append(delivery)
        return [ThreadEntry(m, deliveries[m.id]) for m in messages]

    return KeysetList(select(Message).where(*where), Message.id, newest_first=True,
                      key_of=lambda entry: entry.message.id, finish=with_deliveries)
