"""A message's own SMS text: the district's limit when composing (SMS-04, SYS-03), the composer's
count and segment estimate, insert fields and the signature at delivery (SMS-05, SMS-06)."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from harness import OUTBOX_DIR
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from domain.content.sms_text import sms_count
from factories import add_contact, add_student, first_school_id, phone
from helpers import gid, gql, row_counts, set_district, token_for
from jobs.runtime import current
from models.db import session_scope
from models.directory import User
from models.messaging import Delivery
from resolve import request, viewer_for

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageErrors { errors { field code message } } } }"""


def test_sms_count_counts_length_encoding_and_segments():
    """GSM-7 texts take 160 characters in one segment and 153 per part; extension characters count
    twice; any other character makes the text UCS-2 (70 / 67)."""
    plain = sms_count("Bus 12 is late", 130)
    assert (plain.length, plain.encoding, plain.segments, plain.over_limit) == (14, "GSM-7", 1, False)
    assert sms_count("x" * 160, 500).segments == 1 and sms_count("x" * 161, 500).segments == 2
    assert sms_count("€" * 80, 500).segments == 1 and sms_count("€" * 81, 500).segments == 2
    accented = sms_count("Olá, mañana: ¿ok? 👍", 130)
    assert accented.encoding == "UCS-2" and accented.segments == 1
    assert sms_count("ü" * 70, 500).encoding == "GSM-7"
    assert sms_count("ł" * 71, 500).segments == 2


def test_sms_04_sys_03_a_long_sms_is_refused_with_its_length_against_the_limit(client, engine):
    """Covers SMS-04, SYS-03: an SMS over the district's limit is a field error naming its length and
    the limit, and nothing is written; smsCount reports the same; an SMS without the SMS channel is
    refused too."""
    token = token_for(engine, "admin")
    previous = set_district(engine, sms_character_limit=40)
    try:
        counted = gql(client, '{ smsCount(text: "%s") { length limit remaining encoding segments } }' % ("y" * 41),
                      token=token)["data"]["smsCount"]
        assert counted == {"length": 41, "limit": 40, "remaining": -1, "encoding": "GSM-7", "segments": 1}
        before = row_counts(engine)
        kid = add_student(engine, first_school_id(engine))
        base = {"subject": "Bus", "htmlBody": "<p>Late</p>", "recipientType": "STUDENTS", "studentIds": [gid("Student", kid)]}
        long = gql(client, SEND, {"input": {**base, "channels": ["SMS"], "smsText": "y" * 41}}, token)
        assert long["data"]["sendMessage"]["errors"] == [{
            "field": "input.smsText", "code": "TOO_LONG",
            "message": "The SMS is 41 characters; the district's limit is 40."}]
        # Insert fields are not counted as composed: the placeholder's own characters are.
        fits = "{{student.first_name}}: bus 12 late"
        assert len(fits) <= 40
        no_channel = gql(client, SEND, {"input": {**base, "channels": ["EMAIL"], "smsText": fits}}, token)
        assert no_channel["data"]["sendMessage"]["errors"][0]["field"] == "input.smsText"
        assert row_counts(engine) == before
    finally:
        set_district(engine, **previous)


def _sms_texts(engine, message_id: int) -> dict[str, str]:
    """What the outbox wrote for the message's SMS deliveries, by number."""
    with session_scope(engine) as session:
        ids = {str(i) for i in session.execute(select(Delivery.id).where(Delivery.message_id == message_id,
                                                                          Delivery.channel == "SMS")).scalars()}
    lines = [json.loads(line) for line in (OUTBOX_DIR / "sms.jsonl").read_text().splitlines()]
    return {line["to"]: line["text"] for line in lines if line["reference"] in ids}


def test_sms_05_sms_06_fields_are_filled_in_the_signature_added_and_the_result_cut(engine):
    """Covers SMS-05, SMS-06: each family's SMS carries its student's name; with Include Signature
    the sender's SMS signature follows the text; the result is cut to the district's limit."""
    school = first_school_id(engine)
    names, kids = {}, []
    for first_name in ("Ana", "Maximiliano-Alejandro"):
        kid = add_student(engine, school, first_name=first_name)
        number = phone()
        add_contact(engine, kid, custodial=True, mobile_phone=number)
        names[number] = first_name
        kids.append(kid)
    previous = set_district(engine, sms_character_limit=45)
    with session_scope(engine) as session:
        session.execute(update(User).where(User.login == "admin").values(sms_signature="- Ms. Rivera"))
    try:
        with session_scope(engine) as session:
            message = create_message(session, viewer_for(session, "admin"), request(
                "PRIMARY_CONTACTS", kids, channels=("SMS",), sms_text="{{student.first_name}}: no school tomorrow.",
                include_signature=True))
            fan_out(session, message.id)
            chunks = queued_delivery_chunks(session, message.id, 500)
        for chunk in chunks:
            dispatch_deliveries(engine, current().registry, chunk, current().delivery)
        texts = {names[number]: text for number, text in _sms_texts(engine, message.id).items()}
    finally:
        set_district(engine, **previous)
        with session_scope(engine) as session:
            session.execute(update(User).where(User.login == "admin").values(sms_signature=None))
    assert texts["Ana"] == "Ana: no school tomorrow. - Ms. Rivera"
    assert texts["Maximiliano-Alejandro"] == "Maximiliano-Alejandro: no school tomorrow. - Ms. Rivera"[:45]
