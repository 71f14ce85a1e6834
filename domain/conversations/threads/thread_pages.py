"""A thread's messages, read from the ledger's in-app rows (INB-03, INB-05, INB-07, INB-08).

The thread between the viewer V and a correspondent C holds every message C sent that reached V's
inbox (an in-app row addressed ``user:V``) and every message V sent that reached C's (``user:C``),
except those V sent as the district or a school, which never enter V's own view (INB-21). Both
halves read the partial index ix_delivery_inapp_address (address, message_id) in message order,
so a page costs the same however long the thread is. Pages hold at most PAGE_SIZE messages,
oldest first; without a cursor a page is the most recent PAGE_SIZE, and its earliest unread
message is the anchor a client scrolls to (INB-03, INB-05).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from sqlalchemy import and_, literal, select, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.conversations.threads import labels
from domain.conversations.threads.inbox import ThreadSummary, thread_summary
from domain.conversations.threads.thread_sides import ThreadNotFound
from domain.delivery.in_app import in_app_address
from models.directory import User
from models.messaging import (
    NOT_SENT_DELIVERY_STATUSES,
    OPEN_DELIVERY_STATUSES,
    Channel,
    Delivery,
    DeliveryStatus,
    Message,
)

PAGE_SIZE = 30
#: The in-app rows that are a message in an inbox: one per account (RCP-10 marks the others DUPLICATE).
IN_INBOX = (DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)


@dataclasses.dataclass(frozen=True)
class ThreadMessage:
    message: Message
    received: bool  # the correspondent sent it to the viewer; else the viewer sent it
    delivery_id: int  # the in-app row: the viewer's for a received message, the correspondent's for a sent one
    status: str
    read_at: dt.datetime | None
    author_name: str
    author_label: str | None
    author_active: bool
    language: str = "en"  # the in-app row's language: the reader's copy (TRN-02, TRN-03)

    @property
    def read(self) -> bool:
        """Received: the viewer read it (a message from someone no longer active counts as read,
        INB-24). Sent: the correspondent read it (a read receipt)."""
        return self.status == DeliveryStatus.READ.value or (self.received and not self.author_active)


@dataclasses.dataclass(frozen=True)
class ThreadPage:
    thread: ThreadSummary
    messages: list[ThreadMessage]  # oldest first
    has_previous: bool
    has_next: bool
    anchor_message_id: int | None  # the earliest unread message of a page asked without a cursor


def _half(*, reader_id: int, sender_id: int, received: bool, after: int | None, before: int | None,
          ascending: bool, limit: int):
    """The in-app rows of messages ``sender_id`` sent to ``reader_id``, in message order, ``limit`` of them."""
    where = [Delivery.channel == Channel.INAPP.value, Delivery.address == in_app_address(reader_id),
             Delivery.status.in_(IN_INBOX), Message.sender_id == sender_id]
    if not received:  # INB-21: the viewer's messages sent as the district or a school stay out of their view
        where += [Message.send_as_district.is_(False), Message.send_as_school_id.is_(None)]
    if after is not None:
        where.append(Delivery.message_id > after)
    if before is not None:
        where.append(Delivery.message_id < before)
    order = Delivery.message_id.asc() if ascending else Delivery.message_id.desc()
    return (select(Delivery.message_id, Delivery.id.label("delivery_id"), Delivery.status, Delivery.read_at,
                   Delivery.language, literal(received).label("received"))
            .join(Message, Message.id == Delivery.message_id).where(*where).order_by(order).limit(limit).subquery())


def _window(session: Session, viewer_id: int, correspondent_id: int, *, after: int | None, before: int | None,
            ascending: bool, limit: int) -> list[ThreadMessage]:
    """Up to ``limit`` messages of the thread in message order from a cursor: one statement."""
    halves = [_half(reader_id=viewer_id, sender_id=correspondent_id, received=True, after=after, before=before,
                    ascending=ascending, limit=limit),
              _half(reader_id=correspondent_id, sender_id=viewer_id, received=False, after=after, before=before,
                    ascending=ascending, limit=limit)]
    rows = union_all(*[select(half) for half in halves]).subquery("rows")
    author = aliased(User, name="author")
    order = rows.c.message_id.asc() if ascending else rows.c.message_id.desc()
    found = session.execute(
        select(Message, rows.c.delivery_id, rows.c.status, rows.c.read_at, rows.c.received, rows.c.language,
               labels.author_name(Message, author).label("author_name"), labels.role_label(author).label("author_label"),
               labels.counts_unread(author).label("author_active"))
        .join(Message, Message.id == rows.c.message_id).join(author, author.id == Message.sender_id)
        .order_by(order).limit(limit)).all()
    return [ThreadMessage(message=row.Message, received=bool(row.received), delivery_id=row.delivery_id,
                          status=row.status, read_at=row.read_at, author_name=row.author_name,
                          author_label=row.author_label, author_active=bool(row.author_active),
                          language=row.language) for row in found]


def thread_page(session: Session, *, user_id: int, thread_id: int, first: int | None = None, after: int | None = None,
                last: int | None = None, before: int | None = None) -> ThreadPage:
    """One page of the user's thread: ``first`` after a message, ``last`` before one, or without a
    cursor the most recent PAGE_SIZE with the earliest unread as anchor; two statements."""
    summary = thread_summary(session, user_id=user_id, thread_id=thread_id)
    if summary is None:
        raise ThreadNotFound(("id",))
    if first is not None or after is not None:
        size = first or PAGE_SIZE
        rows = _window(session, user_id, summary.correspondent_id, after=after, before=None, ascending=True,
                       limit=size + 1)
        return ThreadPage(summary, rows[:size], has_previous=after is not None, has_next=len(rows) > size,
                          anchor_message_id=None)
    size = last or PAGE_SIZE
    rows = _window(session, user_id, summary.correspondent_id, after=None, before=before, ascending=False,
                   limit=size + 1)
    page = rows[:size][::-1]
    anchor = None
    if before is None:
        anchor = next((m.message.id for m in page if m.received and not m.read), None)
    return ThreadPage(summary, page, has_previous=len(rows) > size, has_next=before is not None,
                      anchor_message_id=anchor)


@dataclasses.dataclass(frozen=True)
class ChannelState:
    """What became of a message on one external channel to one reader (INB-07)."""

    channel: str
    state: str  # PROCESSING, SENT or FAILED
    reason: str | None  # a failure's code: the provider's, or the not-sent status (INB-08: NO_CONTACT_INFO)


PROCESSING, SENT, FAILED = "PROCESSING", "SENT", "FAILED"
_OPEN = {status.value for status in OPEN_DELIVERY_STATUSES}
_NOT_SENT = {status.value for status in NOT_SENT_DELIVERY_STATUSES} - {DeliveryStatus.DUPLICATE.value}


def _settle(rows: list[tuple[str, str | None]]) -> tuple[str, str | None] | None:
    """One channel's state from its rows to one reader: processing while any is open, sent when
    any went, else failed with the first reason; None when every row is a duplicate of another."""
    statuses = {status for status, _ in rows}
    if statuses & _OPEN:
        return PROCESSING, None
    if statuses & {DeliveryStatus.SENT.value, DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value}:
        return SENT, None
    for status, code in rows:
        if status == DeliveryStatus.FAILED.value:
            return FAILED, code or status
        if status in _NOT_SENT or status == DeliveryStatus.CANCELLED.value:
            return FAILED, status
    return None


def channel_states(session: Session, keys: list[tuple[int, int]]) -> dict[tuple[int, int], list[ChannelState]]:
    """For each (message id, reader user id): the message's other-channel rows to the recipients
    whose in-app row reached that reader, settled per channel; one statement for every key."""
    states: dict[tuple[int, int], list[ChannelState]] = {key: [] for key in keys}
    if not keys:
        return states
    readers = {message_id: reader for message_id, reader in keys}
    addresses = {in_app_address(reader) for reader in readers.values()}
    inbox_row = aliased(Delivery, name="inbox_row")
    found = session.execute(
        select(Delivery.message_id, inbox_row.address, Delivery.channel, Delivery.status, Delivery.error_code)
        .join(inbox_row, and_(inbox_row.message_id == Delivery.message_id,
                              inbox_row.recipient_kind == Delivery.recipient_kind,
                              inbox_row.recipient_id == Delivery.recipient_id))
        .where(inbox_row.channel == Channel.INAPP.value, inbox_row.message_id.in_(sorted(readers)),
               inbox_row.address.in_(sorted(addresses)), Delivery.channel != Channel.INAPP.value)
        .order_by(Delivery.id)).all()
    grouped: dict[tuple[int, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for message_id, address, channel, status, code in found:
        key = (message_id, int(address.removeprefix("user:")))
        if key in states:
            grouped[key][channel].append((status, code))
    for key, channels in grouped.items():
        for channel in sorted(channels):
            settled = _settle(channels[channel])
            if settled is not None:
                states[key].append(ChannelState(channel, *settled))
    return states
