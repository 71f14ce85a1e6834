"""The inbox and a thread page cost the same SQL statements however much they hold: 1 thread or
30, 10 messages or 10,000 (STYLE "No N+1"; issue 15's statement-count test)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from factories import add_user, first_school_id, unique
from helpers import count_statements, gid, gql, make_user
from models.conversations import Thread, ThreadSide
from models.db import session_scope
from models.directory import Role, User
from models.messaging import Channel, Delivery, DeliveryStatus, Message, MessageStatus

INBOX = """{ inbox(first: 30) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id unreadCount lastReceivedAt archived canReply
    correspondent { id name role roleLabel schoolName active } } } } viewer { unreadTotal } }"""
THREAD = """query($id: ID!) { thread(id: $id) { anchorMessageId thread { id unreadCount correspondent { name } }
  messages { pageInfo { hasPreviousPage } edges { node { id subject htmlBody received authorName authorRoleLabel
    read readAt sentAt deliveryStates { channel state reason } attachments { id filename } } } } } }"""
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def new_user(engine, role=Role.TEACHER) -> tuple[int, str]:
    login = unique(f"{role.value.lower()}.")
    token = make_user(engine, role, login=login)
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one(), token


def pair(session, reader: int, writer: int, *, unread: int = 1) -> int:
    low, high = sorted((reader, writer))
    thread_id = session.execute(insert(Thread).values(low_user_id=low, high_user_id=high, created_at=NOW)
                                .returning(Thread.id)).scalar_one()
    session.execute(insert(ThreadSide), [
        {"thread_id": thread_id, "user_id": reader, "correspondent_id": writer, "last_received_at": NOW,
         "last_sent_at": NOW, "last_activity_at": NOW, "unread_count": unread},
        {"thread_id": thread_id, "user_id": writer, "correspondent_id": reader, "last_received_at": NOW,
         "last_sent_at": NOW, "last_activity_at": NOW, "unread_count": 0}])
    return thread_id


def test_the_inbox_costs_the_same_for_one_thread_as_for_thirty(client, engine):
    """Covers INB-01 (no N+1): correspondents' names, roles, schools and unread counts come from
    the list's own statement."""
    school = first_school_id(engine)
    costs = {}
    for threads in (1, 30):
        reader, token = new_user(engine)
        writers = [add_user(engine, "TEACHER", school_ids=[school]) for _ in range(threads)]
        with session_scope(engine) as session:
            for writer in writers:
                pair(session, reader, writer)
        with count_statements(engine) as statements:
            result = gql(client, INBOX, token=token)
        assert len(result["data"]["inbox"]["edges"]) == threads
        assert result["data"]["viewer"]["unreadTotal"] == threads
        costs[threads] = len(statements)
    assert costs[1] == costs[30], costs


def test_a_thread_page_costs_the_same_for_ten_messages_as_for_ten_thousand(client, engine):
    """Covers INB-03 and INB-07 (no N+1): a page of a thread, with authors, read state, delivery
    states and files, costs the same statements for 10 messages as for 10,000, inserted in bulk;
    half of them are the viewer's own (their delivery states are read too)."""
    costs = {}
    for size in (10, 10_000):
        reader, token = new_user(engine)
        writer, _ = new_user(engine)
        tag = unique("bulk ")
        with session_scope(engine) as session:
            thread_id = pair(session, reader, writer, unread=size // 2)
            session.execute(insert(Message), [
                {"sender_id": writer if n % 2 else reader, "subject": f"{tag} {n}", "html_body": "<p>x</p>",
                 "text_body": "x", "channels": ["EMAIL"], "status": MessageStatus.COMPLETED.value,
                 "family_seed": 1, "created_at": NOW, "fanned_out_at": NOW, "open_deliveries": 0}
                for n in range(size)])
            ids = session.execute(select(Message.id, Message.sender_id).where(Message.subject.like(f"{tag} %"))).all()
            rows = []
            for message_id, sender in ids:
                to = reader if sender == writer else writer
                for channel, status in ((Channel.INAPP, DeliveryStatus.DELIVERED), (Channel.EMAIL, DeliveryStatus.SENT)):
                    rows.append({"message_id": message_id, "channel": channel.value, "recipient_kind": "USER",
                                 "recipient_id": to, "recipient_name": "Someone", "status": status.value,
                                 "address": f"user:{to}" if channel is Channel.INAPP else "x@example.org",
                                 "created_at": NOW, "updated_at": NOW})
            session.execute(insert(Delivery), rows)
        with count_statements(engine) as statements:
            result = gql(client, THREAD, {"id": gid("Thread", thread_id)}, token)
        edges = result["data"]["thread"]["messages"]["edges"]
        assert len(edges) == min(size, 30) and {e["node"]["received"] for e in edges} == {True, False}
        assert any(e["node"]["deliveryStates"] == [{"channel": "EMAIL", "state": "SENT", "reason": None}]
                   for e in edges)
        costs[size] = len(statements)
    assert costs[10] == costs[10_000], costs
