"""Conversations between a sender and each recipient of a batch message (RCP-26)."""

from __future__ import annotations

from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_student, email, first_school_id, phone
from helpers import count_statements, gid, gids, gql, make_user, pk_of, token_for
from models.db import session_scope
from models.directory import Role
from resolve import request, viewer_for

THREAD = """
query Thread($kind: RecipientKind!, $id: ID!, $first: Int!, $after: String) {
  recipientThread(recipientKind: $kind, recipientId: $id, first: $first, after: $after) {
    recipientKind recipientId recipientName
    entries { totalCount pageInfo { hasNextPage endCursor }
      edges { node { message { id subject } deliveries { channel address status recipientKind } } } }
  }
}
"""


def sent(engine, login: str, student_ids, subject: str, channels=("EMAIL",)) -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login),
                                 request("STUDENTS", student_ids, channels=channels, subject=subject))
        fan_out(session, message.id)
        return message.id


def thread(client, token, student_id, first=20, after=None):
    return gql(client, THREAD, {"kind": "STUDENT", "id": gid("Student", student_id), "first": first, "after": after},
               token)["data"]["recipientThread"]


def test_rcp_26_a_batch_message_appears_in_the_thread_with_each_recipient(client, engine):
    """Covers RCP-26: a message to three students yields one delivery per student and channel, and
    it appears in the sender's conversation with each of them, newest first, carrying only that
    recipient's deliveries; an earlier message to one of them is in that thread only."""
    school = first_school_id(engine)
    ana, ben, cy = (add_student(engine, school, primary_email=email(), primary_phone=phone()) for _ in range(3))
    earlier = sent(engine, "admin", [ana], "Just Ana")
    batch = sent(engine, "admin", [ana, ben, cy], "Everyone", channels=("EMAIL", "SMS"))
    token = token_for(engine, "admin")

    with_ana = thread(client, token, ana)
    assert with_ana["recipientKind"] == "STUDENT" and with_ana["recipientName"].startswith("Kid ")
    assert with_ana["entries"]["totalCount"] == 2
    entries = [edge["node"] for edge in with_ana["entries"]["edges"]]
    assert [e["message"]["id"] for e in entries] == gids("Message", [batch, earlier])
    assert sorted(d["channel"] for d in entries[0]["deliveries"]) == ["EMAIL", "SMS"]
    assert sorted(d["channel"] for d in entries[1]["deliveries"]) == ["EMAIL"]

    for other in (ben, cy):
        with_other = thread(client, token, other)
        assert [edge["node"]["message"]["id"] for edge in with_other["entries"]["edges"]] == [gid("Message", batch)]
        assert {d["recipientKind"] for d in with_other["entries"]["edges"][0]["node"]["deliveries"]} == {"STUDENT"}
        assert len(with_other["entries"]["edges"][0]["node"]["deliveries"]) == 2

    # Pages: one entry at a time, newest first, then the end.
    first_page = thread(client, token, ana, first=1)
    assert first_page["entries"]["pageInfo"]["hasNextPage"] is True
    second = thread(client, token, ana, first=1, after=first_page["entries"]["pageInfo"]["endCursor"])
    assert [e["node"]["message"]["id"] for e in second["entries"]["edges"]] == [gid("Message", earlier)]
    assert second["entries"]["pageInfo"]["hasNextPage"] is False


def test_rcp_26_threads_are_the_viewers_own(client, engine):
    """Covers RCP-26: another staff member's conversation with the same student is not shown."""
    kid = add_student(engine, first_school_id(engine), primary_email=email())
    sent(engine, "admin", [kid], "From the admin")
    other = gql(client, THREAD, {"kind": "STUDENT", "id": gid("Student", kid), "first": 5},
                make_user(engine, Role.ADMIN))["data"]["recipientThread"]
    assert other["entries"]["totalCount"] == 0 and other["recipientName"] is None


def test_thread_reads_do_not_grow_with_the_page(client, engine):
    """Set-based: a page of 1 and a page of 10 entries cost the same statements (no N+1)."""
    kid = add_student(engine, first_school_id(engine), primary_email=email(), primary_phone=phone())
    for n in range(10):
        sent(engine, "admin", [kid], f"Note {n}", channels=("EMAIL", "SMS"))
    token = token_for(engine, "admin")
    counts = []
    for first in (1, 10):
        with count_statements(engine) as statements:
            page = thread(client, token, kid, first=first)
        assert len(page["entries"]["edges"]) == first
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_cmp_13_cmp_14_messages_sent_as_district_or_school_carry_no_trace_of_the_sender(client, engine):
    """Covers CMP-13, CMP-14: sent as the district (or a school), the email's From is the
    district's (or school's) name with nothing of the sending user, and the message is not in
    the sender's conversation with the recipient."""
    import email as email_module
    from email import policy

    from harness import OUTBOX_DIR
    from helpers import wait_for_message
    from models.directory import District, School, User
    from sqlalchemy import select

    school_id = first_school_id(engine)
    kid = add_student(engine, school_id, primary_email=email())
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        district_name = session.execute(select(District.name)).scalar_one()
        school_name = session.get(School, school_id).name
    token = token_for(engine, "admin")
    send = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } } }"""
    sent = {}
    for label, option in (("district", {"sendAsDistrict": True}),
                          ("school", {"sendAsSchoolId": gid("School", school_id)})):
        result = gql(client, send, {"input": {"subject": f"As {label}", "htmlBody": "<p>Closed today.</p>",
                                              "channels": ["EMAIL"], "recipientType": "STUDENTS",
                                              "studentIds": [gid("Student", kid)], **option}}, token)
        sent[label] = result["data"]["sendMessage"]["message"]["id"]
        assert wait_for_message(client, token, sent[label])["status"] == "COMPLETED"
    with session_scope(engine) as session:
        from models.messaging import Delivery

        ids = dict(session.execute(select(Delivery.message_id, Delivery.id).where(
            Delivery.message_id.in_([pk_of(v) for v in sent.values()]))).all())
    for label, expected in (("district", district_name), ("school", school_name)):
        raw = (OUTBOX_DIR / "email" / f"{ids[pk_of(sent[label])]}.eml").read_bytes()
        parsed = email_module.message_from_bytes(raw, policy=policy.default)
        assert parsed["From"].addresses[0].display_name == expected
        assert admin.last_name not in raw.decode(errors="replace") and admin.first_name not in parsed["From"]
    entries = thread(client, token, kid)["entries"]
    assert entries["totalCount"] == 0


def test_cmp_17_send_as_district_from_an_excluded_school_sends_as_that_school(client, engine):
    """Covers CMP-17: an administrator of a school excluded from communication is offered Send as
    District; using it sends as their school: the email's From is the school's name and the
    message is stored as sent as the school (so it takes no replies, CMP-16)."""
    import email as email_module
    from email import policy

    from sqlalchemy import select

    from harness import OUTBOX_DIR
    from factories import add_school
    from helpers import wait_for_message
    from models.directory import School
    from models.messaging import Delivery, Message

    school_id = add_school(engine, excluded=True)
    kid = add_student(engine, school_id, primary_email=email())
    token = make_user(engine, Role.ADMIN, school_ids=[school_id])
    compose = gql(client, "{ viewer { compose { canSendAsDistrict } } }", token=token)["data"]["viewer"]["compose"]
    assert compose["canSendAsDistrict"] is True
    result = gql(client, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        __typename ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }""",
                 {"input": {"subject": "Snow day", "htmlBody": "<p>Closed today.</p>", "channels": ["EMAIL"],
                            "recipientType": "STUDENTS", "studentIds": [gid("Student", kid)], "sendAsDistrict": True,
                            "allowReply": True}}, token)["data"]["sendMessage"]
    assert result["__typename"] == "SendMessageSuccess", result
    message_id = pk_of(result["message"]["id"])
    assert wait_for_message(client, token, result["message"]["id"])["status"] == "COMPLETED"
    with session_scope(engine) as session:
        stored = session.get(Message, message_id)
        school_name = session.get(School, school_id).name
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == message_id)).scalar_one()
    assert (stored.send_as_district, stored.send_as_school_id, stored.allow_reply) == (False, school_id, False)
    raw = (OUTBOX_DIR / "email" / f"{delivery_id}.eml").read_bytes()
    parsed = email_module.message_from_bytes(raw, policy=policy.default)
    assert parsed["From"].addresses[0].display_name == school_name
