"""Email options, end to end through the smtp plugin to a real SMTP server (aiosmtpd): Cc and its
first-only rule, secure email, copy to self, signatures; and the input rules between them."""

from __future__ import annotations

import json

from sqlalchemy import select

from harness import OUTBOX_DIR
from factories import add_contact, add_student, email, first_school_id, phone
from helpers import gid, gql, row_counts, token_for
from models.db import session_scope
from models.directory import User
from models.messaging import Delivery
from peers.smtp_sink import send_through


def test_a_cc_copy_carries_nothing_that_acts_for_the_family(engine, mailbox):
    """Covers CMP-22 (issue 13 point 2): the Cc addresses get their own copy, apart from the family's
    email: no reply address (an answer would be filed in the family's conversation), no one-click
    unsubscribe link and no signed return path (either would switch off the family's email). The
    family's own email keeps all three."""
    cc = ("outside@elsewhere.example.org",)
    [kid] = families(engine, 1)
    send_through(engine, mailbox, [kid], cc=cc, allow_reply=True)
    [(family_rcpt, family_mail)] = [(r, m) for r, m in mailbox.received if set(r) != set(cc)]
    [(copy_rcpt, copy_mail)] = [(r, m) for r, m in mailbox.received if set(r) == set(cc)]
    [family_return, copy_return] = [mailbox.return_paths[mailbox.received.index((r, m))]
                                    for r, m in ((family_rcpt, family_mail), (copy_rcpt, copy_mail))]
    assert family_mail["Reply-To"].startswith("reply+") and family_mail["List-Unsubscribe"]
    assert family_return.startswith("bounce+")
    assert copy_mail["Reply-To"] is None and copy_mail["List-Unsubscribe"] is None
    assert not copy_return.startswith("bounce+") and copy_mail["Message-ID"] != family_mail["Message-ID"]
    assert copy_mail["Cc"] == family_mail["Cc"] == cc[0] and copy_mail["Subject"] == family_mail["Subject"]
    assert "reply+" not in copy_mail.as_string() and "/unsubscribe/" not in copy_mail.as_string()


def families(engine, count, **contact):
    kids = [add_student(engine, first_school_id(engine)) for _ in range(count)]
    for kid in kids:
        add_contact(engine, kid, email=email(), **contact)
    return kids


def test_cmp_22_cmp_23_cc_is_copied_on_every_email_or_on_the_first_only(engine, mailbox):
    """Covers CMP-22, CMP-23: Cc addresses get every generated email, or exactly one with First
    Only; they are SMTP recipients and named in the Cc header, and never get SMS."""
    cc = ("principal@school.example.org", "office@school.example.org")
    send_through(engine, mailbox, families(engine, 3, mobile_phone=phone()), channels=("EMAIL", "SMS"), cc=cc)
    copies = [(r, m) for r, m in mailbox.received if set(r) == set(cc)]
    assert len(mailbox.received) == 6 and len(copies) == 3  # each email, and its copy to the Cc addresses
    for _recipients, message in mailbox.received:
        assert message["Cc"] == ", ".join(cc)
    mailbox.received.clear()
    send_through(engine, mailbox, families(engine, 3), cc=cc, cc_first_only=True)
    with_cc = [(r, m) for r, m in mailbox.received if m["Cc"]]
    assert len(mailbox.received) == 4 and len(with_cc) == 2 and [set(r) for r, _ in with_cc].count(set(cc)) == 1


def test_cmp_05_a_secure_email_carries_a_notice_not_the_content(engine, mailbox):
    """Covers CMP-05: the email (and the SMS) say there is a secure message to sign in for."""
    kids = families(engine, 1, mobile_phone=phone())
    message_id = send_through(engine, mailbox, kids, channels=("EMAIL", "SMS"), secure=True,
                              subject="Grades for Term 2")
    [(_, received)] = mailbox.received
    text = received.get_body(("plain",)).get_content()
    assert "Hello" not in text and "Grades" not in received["Subject"]
    assert "secure message" in text and f"/messages/{gid('Message', message_id)}" in text
    with session_scope(engine) as session:
        sms_id = session.execute(select(Delivery.id).where(Delivery.message_id == message_id,
                                                           Delivery.channel == "SMS")).scalar_one()
    line = next(json.loads(x) for x in (OUTBOX_DIR / "sms.jsonl").read_text().splitlines()
                if json.loads(x)["reference"] == str(sms_id))
    assert "secure message" in line["text"] and "Hello" not in line["text"]


def test_cmp_12_copy_self_sends_the_sender_exactly_one_copy(engine, mailbox):
    """Covers CMP-12: five recipients, one copy to the sender's own address."""
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
    send_through(engine, mailbox, families(engine, 5), copy_self=True)
    to_sender = [m for r, m in mailbox.received if admin.email in r]
    assert len(mailbox.received) == 6 and len(to_sender) == 1


def test_cmp_24_set_07_the_signature_is_added_only_when_asked(client, engine, mailbox):
    """Covers CMP-24, SET-07: a saved signature is appended when the message asks for it, not
    otherwise; a sender without a signature gets nothing added."""
    token = token_for(engine, "admin")
    saved = gql(client, """mutation { updateMySignatures(emailSignature: "<p>Ms. Rivera, Principal</p>",
        smsSignature: "- Ms. Rivera") { ... on Signatures { emailSignature smsSignature } } }""", token=token)
    assert saved["data"]["updateMySignatures"]["smsSignature"] == "- Ms. Rivera"
    try:
        send_through(engine, mailbox, families(engine, 1), include_signature=True)
        send_through(engine, mailbox, families(engine, 1))
        signed, plain = (m for _, m in mailbox.received)
        assert "Ms. Rivera, Principal" in signed.get_body(("html",)).get_content()
        assert "Ms. Rivera, Principal" in signed.get_body(("plain",)).get_content()
        assert "Rivera" not in plain.get_body(("html",)).get_content()
    finally:
        gql(client, "mutation { updateMySignatures { __typename } }", token=token)
    mailbox.received.clear()
    send_through(engine, mailbox, families(engine, 1), include_signature=True)
    [(_, unsigned)] = mailbox.received
    assert "signature" not in unsigned.get_body(("html",)).get_content()


SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageErrors { errors { field code } } } }"""


def test_cmp_06_cmp_22_option_rules_are_field_errors_and_write_nothing(client, engine):
    """Covers CMP-06, CMP-22: secure with copy to self or with Cc is refused; each bad Cc
    address is named by its index; Cc without the email channel is refused."""
    token, [kid] = token_for(engine, "admin"), families(engine, 1)
    base = {"htmlBody": "<p>x</p>", "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
            "studentIds": [gid("Student", kid)]}
    before = row_counts(engine)
    cases = [
        ({"secure": True, "copySelf": True}, {("input.copySelf", "CONFLICT")}),
        ({"secure": True, "cc": ["a@school.example.org"]}, {("input.cc", "CONFLICT")}),
        ({"cc": ["ok@school.example.org", "not an address", "x@"]}, {("input.cc.1", "INVALID"), ("input.cc.2", "INVALID")}),
        ({"channels": ["SMS"], "cc": ["a@school.example.org"]}, {("input.cc", "INVALID")}),
    ]
    for extra, expected in cases:
        result = gql(client, SEND, {"input": {**base, **extra}}, token)["data"]["sendMessage"]
        assert {(e["field"], e["code"]) for e in result["errors"]} == expected, extra
    assert row_counts(engine) == before
