"""thread(id): a thread's messages in both directions, paged by 30 with the earliest unread as
anchor, each with its delivery state and files (INB-03, INB-05, INB-07, INB-08, CMP-05, ATT-02,
INB-11)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from domain.conversations.threads.thread_sides import thread_between
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_student, add_user, email, first_school_id, unique
from helpers import gid, gids, gql, make_user, pk_of, set_district, token_for, wait_for_message
from models.attachments import MessageAttachment
from models.db import session_scope
from models.directory import Role, User
from resolve import request, viewer_for

THREAD = """
query Thread($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  thread(id: $id, first: $first, after: $after, last: $last, before: $before) {
    anchorMessageId
    thread { id unreadCount correspondent { id name } }
    messages {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id subject htmlBody flagged received authorId authorName authorRoleLabel sentAt
        read readAt
        deliveryStates { channel state reason label }
        attachments { id filename size downloadPath } } }
    }
  }
}
"""


def user(engine, role=Role.TEACHER) -> tuple[int, str, str]:
    login = unique(f"{role.value.lower()}.")
    token = make_user(engine, role, login=login)
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one(), login, token


def send(engine, login: str, *, staff_ids=(), student_ids=(), recipient_type=None, subject="Hello",
         channels=("EMAIL",), files=(), **fields) -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login), request(
            recipient_type, student_ids, channels=channels, subject=subject, staff_ids=tuple(staff_ids), **fields))
        for name, data in files:
            session.add(MessageAttachment(message_id=message.id, filename=name, content_type="text/plain",
                                          size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data))
        session.flush()
        fan_out(session, message.id)
        return message.id


SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } } } }"""


def send_now(client, token, student_id: int, subject: str) -> str:
    """sendMessage by email to the student's primary contacts: dispatched by the worker."""
    result = gql(client, SEND, {"input": {"subject": subject, "htmlBody": "<p>Hello</p>", "channels": ["EMAIL"],
                                          "recipientType": "PRIMARY_CONTACTS",
                                          "studentIds": [gid("Student", student_id)]}},
                 token)["data"]["sendMessage"]
    assert result["__typename"] == "SendMessageSuccess", result
    return result["message"]["id"]


def thread_id(engine, a: int, b: int) -> str:
    with session_scope(engine) as session:
        return gid("Thread", thread_between(session, a, b).id)


def page(client, token, id, **variables) -> dict:
    result = gql(client, THREAD, {"id": id, **variables}, token)
    assert "errors" not in result, result
    return result["data"]["thread"]


def subjects(view) -> list[str]:
    return [edge["node"]["subject"] for edge in view["messages"]["edges"]]


def test_inb_05_a_thread_holds_both_directions_with_the_earliest_unread_as_anchor(client, engine):
    """Covers INB-05: the thread between two users holds what each sent the other, oldest first,
    with dates; the earliest unread received message is the anchor; reading it marks nothing."""
    me, my_login, mine = user(engine)
    other, other_login, _ = user(engine)
    send(engine, other_login, staff_ids=[me], subject="First from them")
    send(engine, my_login, staff_ids=[other], subject="My answer")
    second = send(engine, other_login, staff_ids=[me], subject="Second from them")
    third = send(engine, other_login, staff_ids=[me], subject="Third from them")
    tid = thread_id(engine, me, other)
    with session_scope(engine) as session:  # the first one was read already
        from sqlalchemy import update

        from models.messaging import Delivery

        session.execute(update(Delivery).where(Delivery.address == f"user:{me}", Delivery.channel == "INAPP",
                                               Delivery.message_id < second).values(status="READ"))
    view = page(client, mine, tid)
    assert subjects(view) == ["First from them", "My answer", "Second from them", "Third from them"]
    nodes = [edge["node"] for edge in view["messages"]["edges"]]
    assert [n["received"] for n in nodes] == [True, False, True, True]
    assert [n["authorId"] for n in nodes] == gids("User", [other, me, other, other])
    assert all(n["sentAt"] for n in nodes) and nodes[1]["authorRoleLabel"] == "Teacher"
    assert view["anchorMessageId"] == gid("Message", second) != gid("Message", third)
    assert view["thread"]["correspondent"]["id"] == gid("User", other)
    assert page(client, mine, tid)["anchorMessageId"] == gid("Message", second)  # a query reads, never marks


def test_inb_03_pages_of_thirty_both_ways(client, engine):
    """Covers INB-03: a thread of 65 messages opens on the 30 most recent; older ones page in by 30
    (last/before), and back again (first/after)."""
    me, _, mine = user(engine)
    _, other_login, _ = user(engine, Role.ADMIN)
    for n in range(65):
        send(engine, other_login, staff_ids=[me], subject=f"M{n:02d}")
    with session_scope(engine) as session:
        other = session.execute(select(User.id).where(User.login == other_login)).scalar_one()
    tid = thread_id(engine, me, other)
    latest = page(client, mine, tid)
    assert subjects(latest) == [f"M{n:02d}" for n in range(35, 65)]
    assert latest["messages"]["pageInfo"]["hasPreviousPage"] is True
    assert latest["messages"]["pageInfo"]["hasNextPage"] is False
    older = page(client, mine, tid, last=30, before=latest["messages"]["pageInfo"]["startCursor"])
    assert subjects(older) == [f"M{n:02d}" for n in range(5, 35)]
    oldest = page(client, mine, tid, last=30, before=older["messages"]["pageInfo"]["startCursor"])
    assert subjects(oldest) == [f"M{n:02d}" for n in range(5)]
    assert oldest["messages"]["pageInfo"]["hasPreviousPage"] is False
    forward = page(client, mine, tid, first=30, after=oldest["messages"]["pageInfo"]["endCursor"])
    assert subjects(forward) == subjects(older) and forward["messages"]["pageInfo"]["hasNextPage"] is True
    assert page(client, mine, tid, first=3)["messages"]["edges"][0]["node"]["subject"] == "M00"


def test_inb_07_inb_08_delivery_states_and_no_contact_info(client, engine):
    """Covers INB-07 and INB-08: the sender's view of each message shows its external delivery to
    the correspondent: email sent for a parent with an address; for a parent without one the
    message still reaches the inbox and shows failed with NO_CONTACT_INFO."""
    school = first_school_id(engine)
    me, _, mine = user(engine, Role.ADMIN)
    states = {}
    for label, address in (("with", email()), ("without", None)):
        kid = add_student(engine, school)
        parent = add_user(engine, "PARENT", profile="Parent")
        add_contact(engine, kid, email=address, user_id=parent)
        message_id = send_now(client, mine, kid, f"To a parent {label} email")
        assert wait_for_message(client, mine, message_id)["status"] == "COMPLETED"
        view = page(client, mine, thread_id(engine, me, parent))
        node = view["messages"]["edges"][0]["node"]
        assert node["received"] is False and node["read"] is False
        states[label] = node["deliveryStates"]
        with session_scope(engine) as session:
            parent_login = session.get(User, parent).login
        parent_view = gql(client, "{ inbox { edges { node { unreadCount } } } }", token=token_for(engine, parent_login))
        assert parent_view["data"]["inbox"]["edges"][0]["node"]["unreadCount"] == 1
    assert states["with"] == [{"channel": "EMAIL", "state": "SENT", "reason": None, "label": "Email sent"}]
    assert states["without"] == [{"channel": "EMAIL", "state": "FAILED", "reason": "NO_CONTACT_INFO",
                                  "label": "Failed: NO_CONTACT_INFO"}]  # reason: the DeliveryReason enum (issue 17)


def test_cmp_05_att_02_inb_11_secure_content_files_and_flagged_placeholder(client, engine):
    """Covers CMP-05 (in-app half), ATT-02 (in-app half) and INB-11: a secure message shows its full
    content in the recipient's thread with its files, which the recipient downloads; a flagged
    message shows the placeholder and no files."""
    me, _, mine = user(engine)
    other, other_login, _ = user(engine, Role.ADMIN)
    secure = send(engine, other_login, staff_ids=[me], subject="Grades", html_body="<p>Private detail</p>",
                  secure=True, files=[("report.txt", b"all As")])
    previous = set_district(engine, flagged_words=["forbiddenword"])
    try:
        send(engine, other_login, staff_ids=[me], subject="Bad", html_body="<p>a forbiddenword here</p>",
             files=[("x.txt", b"hidden")])
    finally:
        set_district(engine, **previous)
    nodes = [e["node"] for e in page(client, mine, thread_id(engine, me, other))["messages"]["edges"]]
    assert nodes[0]["id"] == gid("Message", secure) and nodes[0]["htmlBody"] == "<p>Private detail</p>"
    assert [(f["filename"], f["size"]) for f in nodes[0]["attachments"]] == [("report.txt", 6)]
    attached = nodes[0]["attachments"][0]
    assert attached["downloadPath"] == f"/messages/{nodes[0]['id']}/attachments/{attached['id']}"
    download = client.get(nodes[0]["attachments"][0]["downloadPath"], headers={"Authorization": f"Bearer {mine}"})
    assert download.status_code == 200 and download.content == b"all As"
    stranger = make_user(engine, Role.TEACHER)
    assert client.get(nodes[0]["attachments"][0]["downloadPath"],
                      headers={"Authorization": f"Bearer {stranger}"}).status_code == 404
    assert nodes[1]["flagged"] is True and nodes[1]["subject"] == "Message Content Flagged"
    assert "forbiddenword" not in nodes[1]["htmlBody"] and nodes[1]["attachments"] == []


def test_inb_05_another_users_thread_is_not_found(client, engine):
    """Covers INB-05 (scope): another user's thread answers null, exactly like a missing id, an id
    of another kind or a string that is no id."""
    me, _, mine = user(engine)
    other, other_login, _ = user(engine)
    send(engine, other_login, staff_ids=[me])
    _, _, outsider = user(engine)
    tid = thread_id(engine, me, other)
    assert gql(client, THREAD, {"id": tid}, outsider)["data"]["thread"] is None
    assert gql(client, THREAD, {"id": gid("Thread", 999999999)}, outsider)["data"]["thread"] is None
    assert gql(client, THREAD, {"id": "999999999"}, outsider)["data"]["thread"] is None
    # the owner's own thread, named by its raw number or as an id of another kind, is not found either
    assert gql(client, THREAD, {"id": tid}, mine)["data"]["thread"] is not None
    assert gql(client, THREAD, {"id": gid("Message", pk_of(tid))}, mine)["data"]["thread"] is None
    assert gql(client, THREAD, {"id": str(pk_of(tid))}, mine)["data"]["thread"] is None
    assert gql(client, THREAD, {"id": "not-an-id"}, outsider)["data"]["thread"] is None


def test_issue_17_point_3_a_channel_state_keeps_the_not_sent_reason_apart_from_the_provider_code():
    """ChannelDeliveryState.reason is the DeliveryReason enum; a provider's code is errorCode."""
    from domain.conversations.threads.thread_pages import ChannelState
    from graph.conversations.types import ChannelDeliveryState

    at_provider = ChannelDeliveryState.of(ChannelState("SMS", "FAILED", "30003"))
    assert (at_provider.reason, at_provider.error_code, at_provider.label) == (None, "30003", "Failed: 30003")
    not_sent = ChannelDeliveryState.of(ChannelState("EMAIL", "FAILED", "NO_CONTACT_INFO"))
    assert (not_sent.reason.value, not_sent.error_code) == ("NO_CONTACT_INFO", None)
    recalled = ChannelDeliveryState.of(ChannelState("EMAIL", "FAILED", "CANCELLED"))
    assert (recalled.reason, recalled.error_code) == (None, None)
    sent = ChannelDeliveryState.of(ChannelState("EMAIL", "SENT", None))
    assert (sent.reason, sent.error_code, sent.label) == (None, None, "Email sent")
