"""Insert fields (CMP-25): stored as written, filled in per recipient when sent, checked when
composed; seen in what a real SMTP server receives and in the outbox's SMS lines."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from harness import OUTBOX_DIR
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, add_user, email, first_school_id, phone
from helpers import gql, row_counts, token_for
from models.db import session_scope
from models.directory import School, Student
from models.messaging import Delivery, Message
from resolve import request, viewer_for
from peers.smtp_sink import dispatch_chunks

SUBJECT = "Report card for {{student.first_name}}"
BODY = ("<p>Dear {{ recipient.name }},</p><p>{{student.full_name}} (grade {{student.grade_level}}) at "
        "{{student.school}} did well.</p>")


def test_cmp_25_insert_fields_are_filled_in_for_each_recipient_when_sent(engine, mailbox):  # noqa: F811
    """Covers CMP-25: two families and a colleague get one message; each email carries its own
    student's values (HTML-escaped), the colleague's student fields are empty, the stored message
    keeps the placeholders, and a name changed after the send was planned is the one sent."""
    school = first_school_id(engine)
    ana = add_student(engine, school, first_name="Ana", last_name="Ruiz", grade_level="4")
    ben = add_student(engine, school, first_name="Ben <b>", last_name="Okafor", grade_level="7")
    for kid, name in ((ana, "Rosa"), (ben, "Chidi")):
        add_contact(engine, kid, custodial=True, first_name=name, last_name="Parent", email=email(name),
                    mobile_phone=phone())
    colleague = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", first_name="Dana",
                         last_name="Lee", email=email("dana"))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", [ana, ben], channels=("EMAIL", "SMS"), subject=SUBJECT, html_body=BODY,
            staff_ids=(colleague,)))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
        session.execute(update(Student).where(Student.id == ana).values(first_name="Anabel"))
        school_name = session.get(School, school).name
    dispatch_chunks(engine, mailbox, chunks)
    by_subject = {m["Subject"]: m for _, m in mailbox.received}
    assert set(by_subject) == {"Report card for Anabel", "Report card for Ben <b>", "Report card for "}
    anabel = by_subject["Report card for Anabel"].get_body(("html",)).get_content()
    assert "Dear Rosa Parent," in anabel and f"Anabel Ruiz (grade 4) at {school_name} did well." in anabel
    ben_html = by_subject["Report card for Ben <b>"].get_body(("html",)).get_content()
    assert "Ben &lt;b&gt; Okafor (grade 7)" in ben_html and "<b>" not in ben_html
    ben_text = by_subject["Report card for Ben <b>"].get_body(("plain",)).get_content()
    assert "Ben <b> Okafor (grade 7)" in ben_text
    dana = by_subject["Report card for "].get_body(("plain",)).get_content()
    assert "Dear Dana Lee," in dana and " (grade ) at  did well." in dana
    with session_scope(engine) as session:
        stored = session.get(Message, message.id)
        sms_ids = set(session.execute(select(Delivery.id).where(Delivery.message_id == message.id,
                                                                Delivery.channel == "SMS")).scalars())
    assert (stored.subject, stored.html_body) == (SUBJECT, BODY)
    texts = [json.loads(line)["text"] for line in (OUTBOX_DIR / "sms.jsonl").read_text().splitlines()
             if int(json.loads(line)["reference"]) in sms_ids]
    assert sorted(t.split(":")[0] for t in texts) == ["Report card for Anabel", "Report card for Ben <b>"]


def test_cmp_25_an_unknown_insert_field_is_a_field_error(client, engine):
    """Covers CMP-25: a placeholder that is not in insertFields is refused with its field path, and
    nothing is written; insertFields lists the catalogue."""
    token = token_for(engine, "admin")
    listed = gql(client, "{ insertFields { name description } }", token=token)["data"]["insertFields"]
    assert {"student.first_name", "recipient.name"} <= {field["name"] for field in listed}
    before = row_counts(engine)
    sent = gql(client, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageErrors { errors { field code message } } } }""", {"input": {
        "subject": "For {{student.nickname}}", "htmlBody": "<p>{{ student.shoe_size }}</p>", "channels": ["EMAIL"],
        "staffIds": []}}, token)["data"]["sendMessage"]["errors"]
    assert [(e["field"], e["code"]) for e in sent if e["code"] == "UNKNOWN_FIELD"] == [
        ("input.subject", "UNKNOWN_FIELD"), ("input.htmlBody", "UNKNOWN_FIELD")]
    assert "{{student.shoe_size}}" in sent[1]["message"]
    assert row_counts(engine) == before
