"""inboxUpdates in one API process (the test app; with Redis the notices still go through Redis,
from the worker process that fans out): a new message's MESSAGE notice and the live unread total
(INB-02), every InboxChange kind forwarded, and each notice authorized again for the viewer."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from starlette.websockets import WebSocketDisconnect

from domain.access.permissions import Perm
from domain.conversations.threads.inbox_events import InboxChange, announce
from domain.conversations.threads.thread_sides import thread_between
from domain.delivery.fan_out import hand_on
from domain.delivery.in_app import ARRIVAL, announce_arrivals
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, unique
from harness import REDIS_URL, USES_REDIS
from helpers import count_statements, gid, gql, make_user, pk_of, token_for
from models.db import session_scope
from models.directory import AccountStatus, Role, User
from shared_steps import subscription_socket

INBOX_UPDATES = "subscription { inboxUpdates { change threadId messageId unreadTotal } }"
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } } } }"""


def parent_and_teacher(engine) -> tuple[int, int]:
    """A parent (Parent profile) whose child is in the class of a teacher (Teacher profile)."""
    school = first_school_id(engine)
    parent = add_user(engine, "PARENT", profile="Parent", email=email("parent"))
    kid = add_student(engine, school)
    add_contact(engine, kid, user_id=parent, email=email("contact"))
    teacher = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email("teacher"))
    add_section(engine, school, teacher_ids=[teacher], student_ids=[kid])
    return parent, teacher


def login_of(engine, user_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(User, user_id).login


def send_to(client, engine, sender: int, staff_id: int, subject: str) -> str:
    body = gql(client, SEND, {"input": {"subject": subject, "htmlBody": f"<p>{subject}</p>", "channels": ["EMAIL"],
                                        "staffIds": [gid("User", staff_id)]}},
                token_for(engine, login_of(engine, sender)))
    assert body["data"]["sendMessage"]["__typename"] == "SendMessageSuccess", body
    return body["data"]["sendMessage"]["message"]["id"]


def thread_of(engine, a: int, b: int) -> int:
    with session_scope(engine) as session:
        return thread_between(session, a, b).id


def subscribe(client, token):
    ws, socket = subscription_socket(client, token)
    socket.send_json({"id": "i", "type": "subscribe", "payload": {"query": INBOX_UPDATES}})
    return ws, socket


def next_update(socket) -> dict:
    frame = socket.receive_json()
    assert frame["type"] == "next", frame
    assert "errors" not in frame["payload"], frame
    return frame["payload"]["data"]["inboxUpdates"]


def tell(runtime, engine, user_id: int, change: InboxChange, **ids) -> None:
    """What another slice's operation does after its commit (domain.conversations.threads.inbox_events.announce)."""
    with session_scope(engine) as session:
        announce(session, runtime.events, [user_id], change, **ids)


def test_inb_02_a_new_message_reaches_the_readers_subscription_with_the_unread_total(client, engine):
    """Covers INB-02 (live unread total): the teacher subscribes and gets their unread total at
    once; a parent's message arrives as a MESSAGE notice naming the teacher's thread with the
    parent and the message, with the total one higher; a second from the parent makes it two."""
    parent, teacher = parent_and_teacher(engine)
    ws, socket = subscribe(client, token_for(engine, login_of(engine, teacher)))
    try:
        assert next_update(socket) == {"change": None, "threadId": None, "messageId": None, "unreadTotal": 0}
        first = send_to(client, engine, parent, teacher, unique("Question "))
        thread = gid("Thread", thread_of(engine, parent, teacher))
        assert next_update(socket) == {"change": "MESSAGE", "threadId": thread, "messageId": first, "unreadTotal": 1}
        second = send_to(client, engine, parent, teacher, unique("Again "))
        assert next_update(socket) == {"change": "MESSAGE", "threadId": thread, "messageId": second, "unreadTotal": 2}
    finally:
        ws.__exit__(None, None, None)


def test_inb_02_each_message_is_announced_once_whatever_runs_its_hand_on_again(client, engine, runtime):
    """Covers INB-02: the hand-on job run again for a message (a broker redelivering it) writes
    nothing and announces nothing; the next frame is the next real change."""
    parent, teacher = parent_and_teacher(engine)
    ws, socket = subscribe(client, token_for(engine, login_of(engine, teacher)))
    try:
        next_update(socket)
        message = send_to(client, engine, parent, teacher, unique("Once "))
        assert next_update(socket)["messageId"] == message
        hand_on(engine, runtime.jobs, runtime.events, pk_of(message))
        tell(runtime, engine, teacher, InboxChange.ALERT)
        assert next_update(socket) == {"change": "ALERT", "threadId": None, "messageId": None, "unreadTotal": 1}
    finally:
        ws.__exit__(None, None, None)


def test_inb_02_every_kind_of_change_is_forwarded_and_authorized(client, engine, runtime):
    """Covers INB-02: READ, ARCHIVE, FLAG and ALERT notices announced by other operations reach the
    viewer with the ids they name and the total as the database has it now (archived threads do
    not count); a notice naming another user's thread, a message outside the viewer's thread, or
    nonsense is dropped, so the next frame is the next legitimate one."""
    parent, teacher = parent_and_teacher(engine)
    stranger, other_teacher = parent_and_teacher(engine)
    ws, socket = subscribe(client, token_for(engine, login_of(engine, teacher)))
    try:
        next_update(socket)
        message = send_to(client, engine, parent, teacher, unique("Kinds "))
        foreign = send_to(client, engine, stranger, other_teacher, unique("Not yours "))
        thread = thread_of(engine, parent, teacher)
        assert next_update(socket)["messageId"] == message
        tell(runtime, engine, teacher, InboxChange.MESSAGE, thread_id=thread_of(engine, stranger, other_teacher),
             message_id=pk_of(foreign))  # another pair's thread
        tell(runtime, engine, teacher, InboxChange.FLAG, thread_id=thread, message_id=pk_of(foreign))
        tell(runtime, engine, teacher, InboxChange.READ, message_id=pk_of(foreign))  # not theirs, no thread named
        # the bus carries row ids; a global id there is as malformed as any other string
        runtime.events.publish_inbox([(teacher, {"change": "DELETE", "threadId": thread}),
                                      (teacher, {"change": "READ", "threadId": "1 OR 1=1"}),
                                      (teacher, {"change": "READ", "threadId": gid("Thread", thread)})])
        tell(runtime, engine, teacher, InboxChange.FLAG, thread_id=thread, message_id=pk_of(message))
        assert next_update(socket) == {"change": "FLAG", "threadId": gid("Thread", thread), "messageId": message,
                                       "unreadTotal": 1}
        tell(runtime, engine, teacher, InboxChange.READ, thread_id=thread, message_id=pk_of(message))
        assert next_update(socket)["change"] == "READ"
        with session_scope(engine) as session:
            session.execute(archived(teacher, thread))
        tell(runtime, engine, teacher, InboxChange.ARCHIVE, thread_id=thread)
        assert next_update(socket) == {"change": "ARCHIVE", "threadId": gid("Thread", thread), "messageId": None,
                                       "unreadTotal": 0}
        tell(runtime, engine, teacher, InboxChange.ALERT)
        assert next_update(socket) == {"change": "ALERT", "threadId": None, "messageId": None, "unreadTotal": 0}
    finally:
        ws.__exit__(None, None, None)


def archived(user_id: int, thread_id: int):
    """The side as an archive operation leaves it (slice C owns the mutation)."""
    from models.conversations import ThreadSide
    from models.db import utcnow

    return (update(ThreadSide).where(ThreadSide.user_id == user_id, ThreadSide.thread_id == thread_id)
            .values(archived_at=utcnow(), archived_by_id=user_id))


def test_inbox_updates_needs_communication(client, engine):
    """Covers PERM-59: a user without "Communication" cannot subscribe (FORBIDDEN)."""
    ws, socket = subscription_socket(client, make_user(engine, Role.TEACHER, without=[Perm.COMMUNICATION]))
    try:
        socket.send_json({"id": "i", "type": "subscribe", "payload": {"query": INBOX_UPDATES}})
        frame = socket.receive_json()
    finally:
        ws.__exit__(None, None, None)
    errors = frame["payload"] if frame["type"] == "error" else frame["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_inbox_updates_close_when_the_account_is_deactivated(client, engine, runtime):
    """Access is checked again at each event: once the account is deactivated, the next notice
    closes the socket with 4403 instead of telling anything."""
    login = unique("teacher.leaving.")
    token = make_user(engine, Role.TEACHER, login=login)
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
    ws, socket = subscribe(client, token)
    try:
        assert next_update(socket)["unreadTotal"] == 0
        with session_scope(engine) as session:
            session.execute(update(User).where(User.id == user_id).values(status=AccountStatus.INACTIVE.value))
        tell(runtime, engine, user_id, InboxChange.ALERT)
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 4403
    finally:
        ws.__exit__(None, None, None)


def test_the_arrival_notice_is_the_message_change():
    """Delivery may not import conversations: its notice name is held to InboxChange.MESSAGE here."""
    assert ARRIVAL == InboxChange.MESSAGE.value



@pytest.mark.skipif(not USES_REDIS, reason="the Redis bus's channels; embedded mode has no Redis")
def test_the_redis_bus_hears_only_its_own_database_and_well_formed_notices(client, engine, runtime):
    """Covers INB-02 (hardening): pub/sub ignores Redis database numbers, so channels carry it; a
    notice for the same user on another database's channel, or an undecodable one, never reaches
    the subscriber, who then still gets the next good notice. A claim is granted once."""
    import redis

    _, teacher = parent_and_teacher(engine)
    bus = runtime.events
    other_database = bus.inbox_prefix.replace(f"homeroom:{bus.inbox_prefix.split(':')[1]}:", "homeroom:99:")
    ws, socket = subscribe(client, token_for(engine, login_of(engine, teacher)))
    try:
        next_update(socket)
        raw = redis.Redis.from_url(REDIS_URL)
        raw.publish(f"{other_database}{teacher}", json.dumps({"change": "ALERT", "threadId": None}))
        raw.publish(f"{bus.inbox_prefix}{teacher}", b"\xff not json")
        raw.publish(f"{bus.inbox_prefix}{teacher}", json.dumps(["ALERT"]))
        tell(runtime, engine, teacher, InboxChange.READ)
        assert next_update(socket)["change"] == "READ"
    finally:
        ws.__exit__(None, None, None)
    key = unique("claim-")
    assert (bus.first_claim(key), bus.first_claim(key)) == (True, False)


def test_arrivals_are_read_in_one_statement_and_not_at_all_when_nobody_listens(client, engine, runtime):
    """Covers INB-02 at scale: announcing a message to its readers reads nothing when none of them
    is subscribed (most of 100k readers are not online), and one statement when some are."""
    parent, teacher = parent_and_teacher(engine)
    message = pk_of(send_to(client, engine, parent, teacher, unique("Counted ")))
    with count_statements(engine) as statements, session_scope(engine) as session:
        assert announce_arrivals(session, runtime.events, message) == 0
    assert [s for s in statements if "delivery" in s.lower()] == []
    ws, socket = subscribe(client, token_for(engine, login_of(engine, teacher)))
    try:
        next_update(socket)
        # this thread's statements: the subscription reads on threads of its own meanwhile
        with count_statements(engine, this_thread_only=True) as statements, session_scope(engine) as session:
            assert announce_arrivals(session, runtime.events, message) == 1
        assert len([s for s in statements if "delivery" in s.lower()]) == 1
        assert next_update(socket)["messageId"] == gid("Message", message)
    finally:
        ws.__exit__(None, None, None)
