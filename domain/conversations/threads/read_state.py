"""Read state: opening a thread reads it, a received message can be marked unread again, and a
sender sees who has read (INB-05, INB-06, read receipts).

The in-app row is the read state (DELIVERED, then READ with read_at), so the report, the plan and
"resend to failed" see it like any delivery; ThreadSide.unread_count is its running total per
thread, kept by these operations and by fan-out.
"""

from __future__ import annotations

from sqlalchemy import case, func, select, update
from sqlmodel import Session

from domain.conversations.threads.inbox_events import InboxChange, announce
from domain.conversations.threads.thread_pages import ThreadPage, thread_page
from domain.conversations.threads.thread_sides import side_for
from domain.delivery.in_app import in_app_address
from domain.delivery.progress_events import ProgressBus
from domain.support.errors import FieldProblem, InvalidInput
from models.db import utcnow
from models.messaging import Channel, Delivery, DeliveryStatus, Message

READ, DELIVERED = DeliveryStatus.READ.value, DeliveryStatus.DELIVERED.value


class MessageNotInThread(InvalidInput):
    """No received message of that thread has that id."""

    def __init__(self):
        super().__init__([FieldProblem(("messageId",), "NOT_FOUND", "No message you received in that thread has that id.")])


def _received_rows(viewer_id: int, correspondent_id: int):
    """WHERE clauses on Delivery: the viewer's in-app rows of messages the correspondent sent."""
    return [Delivery.channel == Channel.INAPP.value, Delivery.address == in_app_address(viewer_id),
            Delivery.message_id.in_(select(Message.id).where(Message.sender_id == correspondent_id))]


def open_thread(session: Session, events: ProgressBus | None, *, user_id: int, thread_id: int) -> ThreadPage:
    """INB-05: the thread's most recent page as it stood (its anchor the earliest unread), then
    every unread message of it read now and its unread count zero."""
    side = side_for(session, user_id, thread_id, lock=True)
    page = thread_page(session, user_id=user_id, thread_id=thread_id)
    marked = session.execute(update(Delivery).where(*_received_rows(user_id, side.correspondent_id),
                                                    Delivery.status == DELIVERED)
                             .values(status=READ, read_at=utcnow(), updated_at=utcnow())
                             .execution_options(synchronize_session=False)).rowcount
    side.unread_count = 0
    session.add(side)
    session.flush()
    if marked:  # the reader's inbox and the sender's read receipts changed
        announce(session, events, [user_id, side.correspondent_id], InboxChange.READ, thread_id=thread_id)
    return page


def mark_message_unread(session: Session, events: ProgressBus | None, *, user_id: int, thread_id: int,
                        message_id: int) -> None:
    """INB-06: one received message of the thread unread again (a message already unread stays so)."""
    side = side_for(session, user_id, thread_id, lock=True)
    row = session.execute(select(Delivery.id, Delivery.status).where(
        *_received_rows(user_id, side.correspondent_id), Delivery.message_id == message_id,
        Delivery.status.in_((READ, DELIVERED)))).first()
    if row is None:
        raise MessageNotInThread()
    if row.status == READ:
        session.execute(update(Delivery).where(Delivery.id == row.id)
                        .values(status=DELIVERED, read_at=None, updated_at=utcnow())
                        .execution_options(synchronize_session=False))
        side.unread_count += 1
        session.add(side)
        session.flush()
        announce(session, events, [user_id, side.correspondent_id], InboxChange.READ, thread_id=thread_id,
                 message_id=message_id)


def in_app_counts(session: Session, message_ids: list[int], readable) -> dict[int, tuple[int, int]]:
    """(read, unread) in-app rows of several messages, of those ``readable`` (a WHERE clause on
    Delivery: the rows the viewer may read, domain.reports' readable_deliveries_of); one statement."""
    counts = {message_id: (0, 0) for message_id in message_ids}
    if not message_ids:
        return counts
    found = session.execute(
        select(Delivery.message_id, func.sum(case((Delivery.status == READ, 1), else_=0)),
               func.sum(case((Delivery.status == DELIVERED, 1), else_=0)))
        .where(Delivery.message_id.in_(message_ids), readable, Delivery.channel == Channel.INAPP.value,
               Delivery.status.in_((READ, DELIVERED)))
        .group_by(Delivery.message_id)).all()
    for message_id, read, unread in found:
        counts[message_id] = (int(read or 0), int(unread or 0))
    return counts
