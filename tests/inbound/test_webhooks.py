"""POST /webhooks/{plugin}: the core's route for plugins' status callbacks and inbound messages,
exercised through the app with the outbox plugin playing the provider (signed JSON callbacks)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from channels.base import ChannelKind, InboundEvent, StatusEvent
from channels.outbox import outbox_signature
from harness import OUTBOX_WEBHOOK_SECRET
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from domain.inbound.webhook_events import apply_events
from factories import add_contact, add_student, email, first_school_id, phone
from helpers import set_district
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery
from models.conversations import ThreadReply
from resolve import request, viewer_for


def post(client, events: list[dict], *, secret: str | None = OUTBOX_WEBHOOK_SECRET, plugin: str = "outbox"):
    body = json.dumps({"events": events}).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Outbox-Signature"] = outbox_signature(secret, body)
    return client.post(f"/webhooks/{plugin}", content=body, headers=headers)


def sms_to_families(engine, count: int, *, allow_reply: bool = True) -> list[Delivery]:
    """Send an SMS (and an email) to ``count`` families through the configured outbox; returns the
    SMS deliveries, SENT."""
    kids = [add_student(engine, first_school_id(engine)) for _ in range(count)]
    for kid in kids:
        add_contact(engine, kid, custodial=True, mobile_phone=phone(), email=email())
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", kids, channels=("EMAIL", "SMS"), allow_reply=allow_reply))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    for chunk in chunks:
        dispatch_deliveries(engine, current().registry, chunk, current().delivery)
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery).where(Delivery.message_id == message.id, Delivery.channel == "SMS")
                               .order_by(Delivery.id)).scalars().all()
        session.expunge_all()
    assert [row.status for row in rows] == ["SENT"] * count
    return rows


def statuses(engine, deliveries) -> list[str]:
    with session_scope(engine) as session:
        by_id = dict(session.execute(select(Delivery.id, Delivery.status).where(
            Delivery.id.in_([d.id for d in deliveries]))).all())
    return [by_id[d.id] for d in deliveries]


def reply_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(ThreadReply)).scalar_one()


def test_forged_or_unsigned_callbacks_are_refused_and_change_nothing(client, engine):
    """A callback without the provider's signature, or signed with another secret, is answered 403
    and moves no delivery and files no reply; a plugin that takes no webhooks is 404."""
    [delivery] = sms_to_families(engine, 1)
    replies = reply_count(engine)
    events = [{"type": "status", "reference": str(delivery.id), "status": "failed", "code": "30003"},
              {"type": "inbound", "from": delivery.address, "text": "forged answer", "id": "forged-1"}]
    assert post(client, events, secret=None).status_code == 403
    assert post(client, events, secret="not-the-secret").status_code == 403
    assert post(client, events, plugin="smtp").status_code == 404
    assert post(client, events, plugin="nope").status_code == 404
    bad_body = post(client, [{"type": "telepathy"}])
    assert bad_body.status_code == 400
    assert statuses(engine, [delivery]) == ["SENT"] and reply_count(engine) == replies


def test_status_callbacks_end_in_the_right_state_in_any_order(client, engine):
    """Delivered and undelivered receipts move SENT deliveries to DELIVERED and FAILED (with the
    provider's code); duplicates, a late "sent" and a "failed" after "delivered" change nothing."""
    first, second, third = sms_to_families(engine, 3)
    answer = post(client, [
        {"type": "status", "reference": str(first.id), "status": "delivered"},
        {"type": "status", "reference": str(second.id), "status": "undelivered", "code": "30005",
         "detail": "Unknown destination handset"},
        {"type": "status", "reference": "999999999", "status": "delivered"},
    ])
    assert answer.status_code == 200 and answer.json() == {"statuses": 2, "replies": 0, "keywords": 0, "ignored": 1}
    late = post(client, [
        {"type": "status", "reference": str(first.id), "status": "sent"},
        {"type": "status", "reference": str(first.id), "status": "delivered"},
        {"type": "status", "reference": str(first.id), "status": "failed"},
        {"type": "status", "reference": str(second.id), "status": "delivered"},
    ]).json()
    assert late == {"statuses": 0, "replies": 0, "keywords": 0, "ignored": 4}
    assert statuses(engine, [first, second, third]) == ["DELIVERED", "FAILED", "SENT"]
    with session_scope(engine) as session:
        failed = session.get(Delivery, second.id)
    assert (failed.error_code, failed.reason) == ("30005", "Unknown destination handset")


def test_a_plugin_moves_only_deliveries_of_the_channels_it_serves(engine):
    """An SMS plugin's callback naming an email delivery, or its answer from an address only
    emailed, touches nothing."""
    [sms] = sms_to_families(engine, 1)
    with session_scope(engine) as session:
        mail = session.execute(select(Delivery).where(Delivery.message_id == sms.message_id,
                                                      Delivery.channel == "EMAIL")).scalars().one()
        applied = apply_events(session, [ChannelKind.SMS], keys=current().links.keys, events=[
            StatusEvent(str(mail.id), "DELIVERED"), InboundEvent(mail.address, "", "hello", external_id="x-1")])
        assert (applied.statuses, applied.replies, applied.ignored) == (0, 0, 2)
        assert session.get(Delivery, mail.id).status == "SENT"


def test_cmp_18_inb_12_answers_by_sms_land_in_the_senders_conversation(client, engine):
    """Covers CMP-18, INB-12 on the plugin path: an answer from a number the message was texted to
    (written any way) is filed in the conversation with that contact; a replay of the provider's
    message id is not filed twice; a flagged word flags it; a message that did not allow replies,
    or a number never texted, files nothing."""
    [allowed] = sms_to_families(engine, 1)
    [closed] = sms_to_families(engine, 1, allow_reply=False)
    local = allowed.address.replace("+44", "+44 ").replace("7946", " 7946 ")  # typed with spaces
    previous = set_district(engine, flagged_words=["stupid"])
    try:
        first = post(client, [
            {"type": "inbound", "from": local, "text": "Thank you, see you Friday", "id": "SM-1"},
            {"type": "inbound", "from": allowed.address, "text": "This is a stupid rule", "id": "SM-2"},
            {"type": "inbound", "from": allowed.address, "text": "Thank you, see you Friday", "id": "SM-1"},
            {"type": "inbound", "from": closed.address, "text": "Can I answer?", "id": "SM-3"},
            {"type": "inbound", "from": "+15005550006", "text": "Who is this?", "id": "SM-4"},
        ]).json()
    finally:
        set_district(engine, **previous)
    assert first == {"statuses": 0, "replies": 2, "keywords": 0, "ignored": 3}
    with session_scope(engine) as session:
        filed = session.execute(select(ThreadReply).where(ThreadReply.external_message_id.in_(["SM-1", "SM-2"]))
                                .order_by(ThreadReply.id)).scalars().all()
    assert [(r.delivery_id, r.correspondent_kind, r.correspondent_id, r.flagged) for r in filed] == [
        (allowed.id, "CONTACT", allowed.recipient_id, False), (allowed.id, "CONTACT", allowed.recipient_id, True)]
    assert filed[0].body_text == "Thank you, see you Friday"
