"""Read state: openThread reads a thread, markMessageUnread undoes one message, and the sender
sees read receipts (INB-05, INB-06, INB-02, the issue's acceptance)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from domain.conversations.threads.thread_sides import thread_between
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import unique
from helpers import gid, gql, make_user, pk_of, token_for, wait_for_message
from models.db import session_scope
from models.directory import Contact, Enrollment, SectionTeacher, User
from models.messaging import Channel, Delivery
from resolve import request, viewer_for

OPEN = """
mutation Open($id: ID!) {
  openThread(threadId: $id) {
    __typename
    ... on OpenThreadSuccess { thread { id unreadCount }
      page { anchorMessageId messages { edges { node { id read subject } } } } }
    ... on OpenThreadErrors { errors { path code message } }
  }
}
"""
UNREAD = """
mutation Unread($thread: ID!, $message: ID!) {
  markMessageUnread(threadId: $thread, messageId: $message) {
    __typename
    ... on MarkMessageUnreadSuccess { thread { id unreadCount } }
    ... on MarkMessageUnreadErrors { errors { path code } }
  }
}
"""
RECEIPTS = """
query Receipts($id: ID!) {
  message(id: $id) {
    readCount unreadCount
    unread: inAppReaders(read: false) { edges { node { userId read readAt } } }
    read: inAppReaders(read: true) { edges { node { userId recipientKind read readAt } } }
    deliveries(channel: INAPP) { edges { node { status readAt } } }
  }
}
"""


def user(engine, role="TEACHER") -> tuple[int, str, str]:
    from models.directory import Role

    login = unique(f"{role.lower()}.")
    token = make_user(engine, Role(role), login=login)
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one(), login, token


def send(engine, login: str, staff_ids, subject="Hello") -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login),
                                 request(None, (), channels=("EMAIL",), subject=subject, staff_ids=tuple(staff_ids)))
        fan_out(session, message.id)
        return message.id


def thread_of(engine, a: int, b: int) -> str:
    with session_scope(engine) as session:
        return gid("Thread", thread_between(session, a, b).id)


def in_app_row(engine, message_id: int, reader: int) -> tuple[str, object]:
    with session_scope(engine) as session:
        return tuple(session.execute(select(Delivery.status, Delivery.read_at).where(
            Delivery.message_id == message_id, Delivery.channel == Channel.INAPP.value,
            Delivery.address == f"user:{reader}")).one())


def test_inb_05_open_thread_reads_every_unread_message(client, engine):
    """Covers INB-05 and INB-02: openThread answers the page as it stood (the earliest unread as
    anchor, read false on what it read), then every unread message is READ with readAt, the
    thread's unread count and the viewer's unread total fall to 0; opening again changes nothing."""
    me, _, mine = user(engine)
    other, other_login, _ = user(engine)
    first = send(engine, other_login, [me], "One")
    second = send(engine, other_login, [me], "Two")
    tid = thread_of(engine, me, other)
    opened = gql(client, OPEN, {"id": tid}, mine)["data"]["openThread"]
    assert opened["__typename"] == "OpenThreadSuccess"
    assert opened["thread"] == {"id": tid, "unreadCount": 0}
    assert opened["page"]["anchorMessageId"] == gid("Message", first)
    assert [(m["node"]["id"], m["node"]["read"]) for m in opened["page"]["messages"]["edges"]] == [
        (gid("Message", first), False), (gid("Message", second), False)]
    for message_id in (first, second):
        status, read_at = in_app_row(engine, message_id, me)
        assert status == "READ" and read_at is not None
    assert gql(client, "{ viewer { unreadTotal } }", token=mine)["data"]["viewer"]["unreadTotal"] == 0
    again = gql(client, OPEN, {"id": tid}, mine)["data"]["openThread"]
    assert again["page"]["anchorMessageId"] is None
    assert all(m["node"]["read"] for m in again["page"]["messages"]["edges"])


def test_inb_05_open_thread_not_found_for_another_users_thread(client, engine):
    """Covers INB-05 (scope): opening another user's thread is NOT_FOUND like a missing one, a
    string that is no id, or (for its owner) the thread's number as a raw number or as an id of
    another kind; and reads nothing."""
    me, _, mine = user(engine)
    other, other_login, _ = user(engine)
    message_id = send(engine, other_login, [me])
    _, _, outsider = user(engine)
    theirs = thread_of(engine, me, other)
    for token, thread in ((outsider, theirs), (outsider, gid("Thread", 999_999_999)), (outsider, "0"),
                          (outsider, "nope"), (mine, gid("Message", pk_of(theirs))), (mine, str(pk_of(theirs)))):
        refused = gql(client, OPEN, {"id": thread}, token)["data"]["openThread"]
        assert refused == {"__typename": "OpenThreadErrors", "errors": [
            {"path": ["threadId"], "code": "NOT_FOUND", "message": "No thread of yours has that id."}]}
    assert in_app_row(engine, message_id, me)[0] == "DELIVERED"


def test_inb_06_mark_message_unread(client, engine):
    """Covers INB-06: a read message marked unread is DELIVERED again without readAt and counts
    again; a message the viewer sent, or one of another thread, is NOT_FOUND, like a missing id,
    an id of another kind or a raw number."""
    me, my_login, mine = user(engine)
    other, other_login, _ = user(engine)
    received = send(engine, other_login, [me], "Theirs")
    sent = send(engine, my_login, [other], "Mine")
    tid = thread_of(engine, me, other)
    gql(client, OPEN, {"id": tid}, mine)
    unread = {"thread": tid, "message": gid("Message", received)}
    done = gql(client, UNREAD, unread, mine)["data"]["markMessageUnread"]
    assert done == {"__typename": "MarkMessageUnreadSuccess", "thread": {"id": tid, "unreadCount": 1}}
    assert in_app_row(engine, received, me) == ("DELIVERED", None)
    assert gql(client, "{ viewer { unreadTotal } }", token=mine)["data"]["viewer"]["unreadTotal"] == 1
    again = gql(client, UNREAD, unread, mine)["data"]["markMessageUnread"]
    assert again["thread"]["unreadCount"] == 1  # already unread: nothing more
    for message in (gid("Message", sent), gid("Message", 999_999_999), gid("User", received), str(received)):
        refused = gql(client, UNREAD, {"thread": tid, "message": message}, mine)["data"]["markMessageUnread"]
        assert refused == {"__typename": "MarkMessageUnreadErrors", "errors": [{"path": ["messageId"],
                                                                                 "code": "NOT_FOUND"}]}
    _, _, outsider = user(engine)
    foreign = gql(client, UNREAD, unread, outsider)["data"]["markMessageUnread"]
    assert foreign["errors"] == [{"path": ["threadId"], "code": "NOT_FOUND"}]


def test_read_receipts_count_and_list_who_has_not_read(client, engine):
    """Covers the read receipts of issue 15 (INB-05): the sender sees how many recipients read
    a message in-app, who has not read yet, and readAt on each in-app delivery."""
    me, my_login, mine = user(engine, "ADMIN")
    (a, _, a_token), (b, _, _) = user(engine), user(engine)
    message_id = send(engine, my_login, [a, b])
    gql(client, OPEN, {"id": thread_of(engine, me, a)}, a_token)
    receipts = gql(client, RECEIPTS, {"id": gid("Message", message_id)}, mine)["data"]["message"]
    assert (receipts["readCount"], receipts["unreadCount"]) == (1, 1)
    assert [(n["node"]["userId"], n["node"]["read"]) for n in receipts["unread"]["edges"]] == [(gid("User", b), False)]
    read = receipts["read"]["edges"][0]["node"]
    assert read["userId"] == gid("User", a) and read["recipientKind"] == "USER" and read["readAt"]
    assert sorted((d["node"]["status"], d["node"]["readAt"] is not None)
                  for d in receipts["deliveries"]["edges"]) == [("DELIVERED", False), ("READ", True)]


def test_acceptance_a_parent_reads_an_emailed_message_and_the_teacher_sees_the_receipt(client, engine):
    """Covers the issue's acceptance (in-app read half), INB-01, INB-05, PERM-59: teacher.1 emails a
    student's primary contacts; a seeded parent linked to one of them signs in, finds the thread in
    the inbox, opens it, and teacher.1 sees the email sent and the read receipt."""
    with session_scope(engine) as session:
        student_id, parent_login, parent_id = session.execute(
            select(Contact.student_id, User.login, User.id).join(User, User.id == Contact.user_id)
            .join(Enrollment, Enrollment.student_id == Contact.student_id)
            .join(SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
            .where(SectionTeacher.user_id == select(User.id).where(User.login == "teacher.1").scalar_subquery(),
                   User.login.like("parent.%"), Contact.email.is_not(None), Contact.custodial.is_(True),
                   Contact.status == "ACTIVE", Contact.email_opt_out.is_(False), Contact.unsubscribe.is_(False),
                   User.email_notifications_off.is_not(True))
            .order_by(Contact.id).limit(1)).one()
        teacher_id = session.execute(select(User.id).where(User.login == "teacher.1")).scalar_one()
    teacher = token_for(engine, "teacher.1")
    result = gql(client, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        __typename ... on SendMessageSuccess { message { id } } } }""",
                 {"input": {"subject": "Field trip", "htmlBody": "<p>Bring a lunch.</p>", "channels": ["EMAIL"],
                            "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", student_id)]}},
                 teacher)["data"]["sendMessage"]
    assert result["__typename"] == "SendMessageSuccess", result
    message_id = result["message"]["id"]
    assert wait_for_message(client, teacher, message_id)["status"] == "COMPLETED"

    parent = token_for(engine, parent_login)
    inbox = gql(client, "{ inbox { edges { node { id unreadCount correspondent { id roleLabel } } } } }",
                token=parent)["data"]["inbox"]["edges"]
    mine = next(e["node"] for e in inbox if e["node"]["correspondent"]["id"] == gid("User", teacher_id))
    assert mine["unreadCount"] >= 1 and mine["correspondent"]["roleLabel"] == "Teacher"
    opened = gql(client, OPEN, {"id": mine["id"]}, parent)["data"]["openThread"]
    assert opened["thread"]["unreadCount"] == 0
    assert opened["page"]["messages"]["edges"][-1]["node"] == {"id": message_id, "read": False,
                                                               "subject": "Field trip"}

    receipts = gql(client, RECEIPTS, {"id": message_id}, teacher)["data"]["message"]
    assert receipts["readCount"] >= 1
    assert gid("User", parent_id) in {e["node"]["userId"] for e in receipts["read"]["edges"]}
    view = gql(client, """query($id: ID!) { thread(id: $id) { messages { edges { node { id read readAt
        deliveryStates { channel state label } } } } } }""", {"id": mine["id"]}, teacher)["data"]["thread"]
    sent = next(e["node"] for e in view["messages"]["edges"] if e["node"]["id"] == message_id)
    assert sent["read"] is True and sent["readAt"]
    assert {"channel": "EMAIL", "state": "SENT", "label": "Email sent"} in sent["deliveryStates"]
    exported = client.get(f"/reports/messages/{message_id}/deliveries.csv", headers={"Authorization": f"Bearer {teacher}"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["read_at"] != "" for row in rows if row["address"] == "user:" + gid("User", parent_id)] == [True]
