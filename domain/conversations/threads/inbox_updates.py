"""What an inbox notice may tell its user, re-read from the database (the inboxUpdates
subscription, INB-02).

A notice on the bus is only a hint (domain.conversations.threads.inbox_events): before anything reaches
the user, the thread it names must be one of theirs (side_for: another user's thread is not
found), the message it names must be in that thread (or, without a thread, one they sent or
received in-app), and the unread total is counted again. Nothing here reads content, so flagged
text can never travel this way.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session

from domain.conversations.threads import inbox
from domain.conversations.threads.inbox_events import InboxChange
from domain.conversations.threads.thread_sides import ThreadNotFound, side_for
from domain.delivery.in_app import in_app_address
from models.conversations import ThreadSide
from models.messaging import Channel, Delivery, DeliveryStatus, Message

#: In-app rows through which a message reached a user's inbox (the others are DUPLICATE, RCP-10).
_RECEIVED = (DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)


@dataclasses.dataclass(frozen=True)
class InboxUpdate:
    change: InboxChange | None  # None: the state when subscribing (or after notices were lost)
    thread_id: int | None
    message_id: int | None
    unread_total: int


def _reached(message_id: int, sender, address: str):
    """The message, from ``sender``, reached ``address``'s inbox."""
    return and_(Message.sender_id == sender, exists(select(Delivery.id).where(
        Delivery.message_id == message_id, Delivery.channel == Channel.INAPP.value,
        Delivery.address == address, Delivery.status.in_(_RECEIVED))))


def _message_is_theirs(session: Session, user_id: int, message_id: int, side: ThreadSide | None) -> bool:
    """The message is in ``side``'s thread (without one: the user sent it or received it in-app)."""
    if side is None:
        mine = or_(Message.sender_id == user_id, _reached(message_id, Message.sender_id, in_app_address(user_id)))
    else:
        other = side.correspondent_id
        mine = or_(_reached(message_id, other, in_app_address(user_id)),
                   and_(Message.sender_id == user_id,
                        or_(Message.thread_id == side.thread_id, _reached(message_id, user_id, in_app_address(other)))))
    return session.execute(select(Message.id).where(Message.id == message_id, mine)).first() is not None


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def authorized_update(session: Session, user_id: int, notice: dict | None) -> InboxUpdate | None:
    """What ``notice`` may tell ``user_id`` now, with their unread total; None when it names a
    thread or message that is not theirs (or is malformed). A None notice asks for the total alone."""
    if notice is None:
        return InboxUpdate(None, None, None, inbox.unread_total(session, user_id=user_id))
    try:
        change = InboxChange(notice.get("change"))
    except ValueError:
        return None
    thread_id, message_id = _number(notice.get("threadId")), _number(notice.get("messageId"))
    if (notice.get("threadId") is not None and thread_id is None) or (
            notice.get("messageId") is not None and message_id is None):
        return None
    side = None
    if thread_id is not None:
        try:
            side = side_for(session, user_id, thread_id)
        except ThreadNotFound:
            return None
    if message_id is not None and not _message_is_theirs(session, user_id, message_id, side):
        return None
    return InboxUpdate(change, thread_id, message_id, inbox.unread_total(session, user_id=user_id))
