"""Text-to-speech text: the call-minute limit when composing (VOI-06, SYS-11), insert fields and the
cut at delivery (VOI-07, VOI-08)."""

from __future__ import annotations

import json

from sqlalchemy import select

from harness import OUTBOX_DIR
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, first_school_id, phone
from helpers import gid, gql, row_counts, set_district, token_for
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery, Message
from resolve import request, viewer_for

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageErrors { errors { field code message } } } }"""


def test_voi_06_sys_11_call_text_over_the_minute_limit_is_refused(client, engine):
    """Covers VOI-06, SYS-11: 1,000 characters per minute of the district's call-minute limit; a
    longer text is a field error naming its count and the limit, and nothing is written."""
    token = token_for(engine, "admin")
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, custodial=True, mobile_phone=phone())
    base = {"subject": "Closure", "htmlBody": "<p>Closed</p>", "channels": ["VOICE"], "recipientType": "PRIMARY_CONTACTS",
            "studentIds": [gid("Student", kid)]}
    previous = set_district(engine, tts_minutes=1)
    try:
        before = row_counts(engine)
        long = gql(client, SEND, {"input": {**base, "callText": "a" * 1001}}, token)["data"]["sendMessage"]
        assert long["errors"] == [{"field": "input.callText", "code": "TOO_LONG",
                                   "message": "The call text is 1001 characters; the limit for 1 minute(s) is 1000."}]
        assert row_counts(engine) == before
        set_district(engine, tts_minutes=2)
        fits = gql(client, SEND, {"input": {**base, "callText": "a" * 2000}}, token)["data"]["sendMessage"]
        assert fits["__typename"] == "SendMessageSuccess"
        too_long_for_two = gql(client, SEND, {"input": {**base, "callText": "a" * 2001}}, token)["data"]["sendMessage"]
        assert too_long_for_two["errors"][0]["code"] == "TOO_LONG"
    finally:
        set_district(engine, **previous)


def test_voi_07_voi_08_fields_are_filled_in_and_the_spoken_text_cut_to_the_limit(engine):
    """Covers VOI-07, VOI-08: the call says the student's name; when the filled-in text passes the
    limit, the call says the first 1,000 characters while the message keeps the whole text."""
    school = first_school_id(engine)
    kid = add_student(engine, school, first_name="Maximiliano-Alejandro", last_name="Gutiérrez-Santos")
    number = phone()
    add_contact(engine, kid, custodial=True, mobile_phone=number)
    text = "Hello, this is about {{student.full_name}}. " + "x" * 955
    assert len(text) <= 1000
    previous = set_district(engine, tts_minutes=1)
    try:
        with session_scope(engine) as session:
            message = create_message(session, viewer_for(session, "admin"), request(
                "PRIMARY_CONTACTS", [kid], channels=("VOICE",), call_text=text))
            fan_out(session, message.id)
            chunks = queued_delivery_chunks(session, message.id, 500)
        for chunk in chunks:
            dispatch_deliveries(engine, current().registry, chunk, current().delivery)
    finally:
        set_district(engine, **previous)
    with session_scope(engine) as session:
        [delivery_id] = session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalars()
        stored = session.get(Message, message.id).call_text
    [script] = [json.loads(line)["script"] for line in (OUTBOX_DIR / "voice.jsonl").read_text().splitlines()
                if json.loads(line)["reference"] == str(delivery_id)]
    spoken = text.replace("{{student.full_name}}", "Maximiliano-Alejandro Gutiérrez-Santos")
    assert script == spoken[:1000] and len(spoken) > 1000
    assert stored == text
