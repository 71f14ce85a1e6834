"""The in-app channel's side of fan-out: every in-app row a message writes (DELIVERED, one per
account) files the message in the thread between its sender and that reader, in two set-based
statements however many readers (INB-01, INB-19, INB-21, RCP-26).

- the pair's thread exists (one per pair of users, whoever wrote first);
- the reader's side: received now, one more unread, back from the archive (INB-19);
- the sender's side: sent now, back from the archive, unless the message went out as the
  district or a school, which never enters the sender's Sent list (INB-21).

Once the rows are committed, each reader listening to inboxUpdates hears of the arrival
(announce_arrivals): a MESSAGE notice with the thread and message ids, never content.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, and_, case, cast, func, literal, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.delivery.progress_events import PIPELINE_CHUNK, ProgressBus, inbox_notice
from models.conversations import Thread, ThreadSide
from models.messaging import Channel, Delivery, DeliveryStatus, Message

ADDRESS_PREFIX = "user:"
#: The notice of a new message: domain.conversations.threads.inbox_events.InboxChange.MESSAGE (which
#: delivery may not import; a test holds the two together).
ARRIVAL = "MESSAGE"
#: Up to this many listeners are named in the readers' query; more are filtered in Python.
LISTENERS_IN_QUERY = 1_000


def in_app_address(user_id: int) -> str:
    """The ledger address of a user's in-app inbox."""
    return f"{ADDRESS_PREFIX}{user_id}"


def reader_of(address_column):
    """The user id an in-app row's address names, as SQL."""
    return cast(func.substr(address_column, len(ADDRESS_PREFIX) + 1), Integer)


def _insert(session: Session, table):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def file_in_threads(session: Session, message: Message, *, at: dt.datetime) -> None:
    """File ``message``'s delivered in-app rows in their threads. A message sent as the district
    or a school is in no thread with its sender: a thread names its correspondent, and these
    messages carry no trace of who wrote them (CMP-13, CMP-14, INB-21); their in-app rows are in
    the ledger (read receipts, the report) and reach the inbox with announcements (issue 15 note)."""
    if message.send_as_district or message.send_as_school_id:
        return
    reader = reader_of(Delivery.address).label("reader")
    readers = (select(reader).where(Delivery.message_id == message.id, Delivery.channel == Channel.INAPP.value,
                                    Delivery.status == DeliveryStatus.DELIVERED.value)
               .subquery("readers"))
    sender = literal(message.sender_id)
    others = select(readers.c.reader).where(readers.c.reader != sender).subquery("others")
    low = case((others.c.reader < sender, others.c.reader), else_=sender)
    high = case((others.c.reader < sender, sender), else_=others.c.reader)
    # (Each SELECT has a WHERE: SQLite would read a bare SELECT's ON CONFLICT as a join's ON.)
    session.execute(_insert(session, Thread).from_select(
        ["low_user_id", "high_user_id", "created_at"],
        select(low, high, literal(at, type_=Thread.__table__.c.created_at.type)).where(true()).distinct())
        .on_conflict_do_nothing(index_elements=["low_user_id", "high_user_id"]))
    pairs = (select(Thread.id.label("thread_id"), others.c.reader)
             .join(Thread, and_(Thread.low_user_id == low, Thread.high_user_id == high)).subquery("pairs"))
    when = literal(at, type_=ThreadSide.__table__.c.last_activity_at.type)
    none = literal(None, type_=ThreadSide.__table__.c.last_activity_at.type)
    # Both sides of every pair in one statement, in (thread, user) order: two messages crossing in
    # one thread (a reply and an out-of-office answer to it, SET-08) lock its sides in the same
    # order, where a reader-sides-then-sender-sides pair of statements deadlocked on PostgreSQL.
    sides = [select(pairs.c.thread_id.label("thread_id"), pairs.c.reader.label("user_id"),
                    sender.label("correspondent_id"), when.label("last_received_at"), none.label("last_sent_at"),
                    literal(1).label("unread_count")).where(true())]
    if not (message.send_as_district or message.send_as_school_id):
        sides.append(select(pairs.c.thread_id, sender, pairs.c.reader, none, when, literal(0)).where(true()))
    rows = union_all(*sides).subquery("sides")
    upsert = _insert(session, ThreadSide).from_select(
        ["thread_id", "user_id", "correspondent_id", "last_received_at", "last_sent_at", "last_activity_at",
         "unread_count"],
        select(rows.c.thread_id, rows.c.user_id, rows.c.correspondent_id, rows.c.last_received_at,
               rows.c.last_sent_at, when, rows.c.unread_count).where(true())
        .order_by(rows.c.thread_id, rows.c.user_id))
    session.execute(upsert.on_conflict_do_update(
        index_elements=["thread_id", "user_id"],
        set_={"last_received_at": func.coalesce(upsert.excluded.last_received_at, ThreadSide.last_received_at),
              "last_sent_at": func.coalesce(upsert.excluded.last_sent_at, ThreadSide.last_sent_at),
              "last_activity_at": upsert.excluded.last_activity_at,
              "unread_count": ThreadSide.unread_count + upsert.excluded.unread_count,
              "archived_at": None, "archived_by_id": None}))


def _between(a, b):
    """(low, high) of a pair of user-id columns, as SQL: the key of their Thread."""
    return case((a < b, a), else_=b), case((a < b, b), else_=a)


def announce_arrivals(session: Session, events: ProgressBus | None, message_id: int) -> int:
    """Tell the readers of ``message_id``'s delivered in-app rows who are listening now (any
    process) that it arrived in their thread; call it once the rows are committed. Set-based
    whatever the readers: nothing is read when nobody listens; returns the notices sent."""
    if events is None:
        return 0
    listening = events.inbox_listeners()
    if listening is not None and not listening:
        return 0
    reader = reader_of(Delivery.address)
    low, high = _between(reader, Message.sender_id)
    query = (select(reader, Thread.id)
             .join(Message, Message.id == Delivery.message_id)
             .join(Thread, and_(Thread.low_user_id == low, Thread.high_user_id == high))
             .where(Delivery.message_id == message_id, Delivery.channel == Channel.INAPP.value,
                    Delivery.status == DeliveryStatus.DELIVERED.value))
    if listening is not None and len(listening) <= LISTENERS_IN_QUERY:
        query = query.where(Delivery.address.in_([in_app_address(user_id) for user_id in sorted(listening)]))
    sent = 0
    result = session.execute(query.execution_options(yield_per=PIPELINE_CHUNK))
    for rows in result.partitions():
        notices = [(user_id, inbox_notice(ARRIVAL, thread_id=thread_id, message_id=message_id))
                   for user_id, thread_id in rows if listening is None or user_id in listening]
        if notices:
            events.publish_inbox(notices)
            sent += len(notices)
    return sent
