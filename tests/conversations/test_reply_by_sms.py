"""Answers by SMS from people with an account land in their in-app thread, through the provider
webhook route (the outbox plugin playing the provider) and the same reply operation as the app."""

from __future__ import annotations

import json

from sqlalchemy import select

from channels.outbox import outbox_signature
from domain.delivery.dispatch import dispatch_deliveries
from harness import OUTBOX_WEBHOOK_SECRET
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Channel, Delivery, Message


def post(client, events: list[dict]) -> dict:
    body = json.dumps({"events": events}).encode()
    headers = {"Content-Type": "application/json", "X-Outbox-Signature": outbox_signature(OUTBOX_WEBHOOK_SECRET, body)}
    response = client.post("/webhooks/outbox", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def texted(engine, message_id: int) -> Delivery:
    with session_scope(engine) as session:
        sms = session.execute(select(Delivery).where(Delivery.message_id == message_id,
                                                     Delivery.channel == Channel.SMS.value)).scalars().one()
        session.expunge(sms)
    dispatch_deliveries(engine, current().registry, [sms.id], current().delivery)
    return sms


def test_inb_14_an_sms_answer_lands_in_the_same_thread(client, engine, people):
    """Covers INB-14, CMP-18 on the SMS path: a parent with an account answers a teacher's text;
    the answer is the parent's reply in their thread (a replay of the provider's id adds nothing);
    once the teacher's latest message allows no replies, the rule refuses an answer exactly as
    in the app, and the refusal is an ignored event."""
    teacher, parent = people.make("TEACHER"), people.make("PARENT")
    first = people.send(teacher, parent, channels=("SMS",))
    sms = texted(engine, first)
    thread_id = people.thread(parent, teacher)
    applied = post(client, [{"type": "inbound", "from": sms.address, "text": "On our way", "id": "SM-B-1"},
                            {"type": "inbound", "from": sms.address, "text": "On our way", "id": "SM-B-1"}])
    assert applied["replies"] == 1 and applied["ignored"] == 1
    with session_scope(engine) as session:
        [answer] = session.execute(select(Message).where(Message.thread_id == thread_id,
                                                         Message.sender_id == parent.id)).scalars().all()
        assert answer.text_body == "On our way" and answer.allow_reply is True
    assert people.side(teacher, thread_id).unread_count == 1

    closed = people.send(teacher, parent, channels=("SMS",), allow_reply=False)
    sms = texted(engine, closed)
    applied = post(client, [{"type": "inbound", "from": sms.address, "text": "And this?", "id": "SM-B-2"}])
    assert applied["replies"] == 0 and applied["ignored"] == 1
