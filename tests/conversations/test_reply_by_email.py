"""Answers by email from people with an account land in their in-app thread, through the same reply
operation as the app (INB-14, CMP-18, INB-16), over a real SMTP conversation with
`homeroom inbound-smtp`'s server."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from domain.inbound.reply_tokens import reply_address
from helpers import gid, gql
from inbound_mail import DOMAIN, mail
from jobs.runtime import current
from models.conversations import ThreadReply, ThreadSide
from models.db import session_scope
from models.messaging import Channel, Delivery, Message

MESSAGE = """query($id: ID!) { message(id: $id) { id subject } }"""


def email_delivery(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(Delivery.id).where(Delivery.message_id == message_id,
                                                         Delivery.channel == Channel.EMAIL.value)).scalar_one()


def replies_in(engine, thread_id: int, sender_id: int) -> list[Message]:
    with session_scope(engine) as session:
        rows = session.execute(select(Message).where(Message.thread_id == thread_id, Message.sender_id == sender_id)
                               .order_by(Message.id)).scalars().all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def test_inb_14_an_email_reply_lands_in_the_same_thread(client, engine, people, inbound_server):
    """Covers INB-14, CMP-19, PERM-59: a parent with an account answers a teacher's email by email
    (a real RFC 5322 reply, quoted history and all); the answer is the parent's reply in the thread
    the parent sees in the app, in the teacher's inbox unread, recorded once (a replay adds
    nothing)."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    original = people.send(teacher, parent, subject="Field trip")
    thread_id = people.thread(parent, teacher)
    address = reply_address(email_delivery(engine, original), DOMAIN, current().links.keys)
    body = "Yes, she can come.\n\nOn Mon, Dec 1, 2026 at 9:00 AM Ms Teacher wrote:\n> Friday at nine."
    mail(inbound_server, address, sender=parent.email, body=body, message_id="<parent-answer@families.example.org>")
    mail(inbound_server, address, sender=parent.email, body=body, message_id="<parent-answer@families.example.org>")

    [answer] = replies_in(engine, thread_id, parent.id)
    assert answer.text_body == "Yes, she can come." and answer.subject == "Re: Field trip"
    assert answer.allow_reply is True and answer.auto_reply is False
    with session_scope(engine) as session:
        in_app = session.execute(select(Delivery.address).where(Delivery.message_id == answer.id,
                                                                Delivery.channel == Channel.INAPP.value)).scalars().all()
        records = session.execute(select(ThreadReply.id).where(ThreadReply.message_id == original)).all()
    assert in_app == [f"user:{teacher.id}"] and len(records) == 1
    assert people.side(teacher, thread_id).unread_count == 1
    # The parent sees their own answer by id, as in the app.
    seen = gql(client, MESSAGE, {"id": gid("Message", answer.id)}, parent.token)["data"]["message"]
    assert seen == {"id": gid("Message", answer.id), "subject": "Re: Field trip"}


def test_inb_16_an_email_reply_to_a_thread_the_teacher_archived_is_refused(engine, people, inbound_server):
    """Covers INB-16, CMP-18: the teacher archived the thread for both, so the parent's email
    answer is refused by the same rule as in the app: no reply message and no record; and an
    answer to a message that allows no replies is refused as before."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    original = people.send(teacher, parent)
    thread_id = people.thread(parent, teacher)
    with session_scope(engine) as session:
        session.execute(update(ThreadSide).where(ThreadSide.thread_id == thread_id).values(
            archived_at=dt.datetime.now(dt.UTC), archived_by_id=teacher.id))
    address = reply_address(email_delivery(engine, original), DOMAIN, current().links.keys)
    mail(inbound_server, address, sender=parent.email, body="Can I still answer?")
    assert replies_in(engine, thread_id, parent.id) == []

    no_replies = people.send(teacher, parent, allow_reply=False)  # also unarchives: INB-19
    assert people.side(parent, thread_id).archived_at is None
    mail(inbound_server, reply_address(email_delivery(engine, no_replies), DOMAIN, current().links.keys),
         sender=parent.email, body="And now?")
    assert replies_in(engine, thread_id, parent.id) == []
    with session_scope(engine) as session:
        assert session.execute(select(ThreadReply.id).where(
            ThreadReply.message_id.in_([original, no_replies]))).first() is None
