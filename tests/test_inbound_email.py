"""Email replies through a real SMTP conversation with `homeroom inbound-smtp`'s server."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from sqlalchemy import insert, select

from domain.fan_out import fan_out, queued_delivery_chunks
from domain.reply_tokens import reply_address
from factories import add_contact, add_student, email, first_school_id
from helpers import gql, token_for
from homeroom.inbound_smtp import start
from models.db import session_scope
from models.messaging import ChannelOptOut, Delivery, ImportedRecipient, Message, ThreadReply
from resolve import request, viewer_for
from test_email_options import mailbox, send_through  # noqa: F401  (fixture)
from test_smtp import free_port

DOMAIN = "replies.homeroom.test"
THREAD = """query($kind: RecipientKind!, $id: ID!) { thread(recipientKind: $kind, recipientId: $id) {
  replies { messageId fromAddress bodyText } } }"""


@pytest.fixture
def inbound(engine):
    port = free_port()
    controller = start(engine, DOMAIN, "127.0.0.1", port)
    yield port
    controller.stop()


def mail(port, to, *, sender="parent@families.example.org", body="Yes, she can come.", message_id=None, **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: Field trip"
    message["Message-ID"] = message_id or f"<{abs(hash((to, body)))}@families.example.org>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(message)


def replies(engine):
    with session_scope(engine) as session:
        return session.execute(select(ThreadReply.correspondent_kind, ThreadReply.correspondent_id,
                                      ThreadReply.body_text)).all()


def test_cmp_19_a_reply_by_email_lands_in_the_conversation_once(client, engine, mailbox, inbound):  # noqa: F811
    """Covers CMP-19, RCP-26: the email of a message that allows replies has a signed Reply-To;
    answering it files the new text (quoted history stripped) in the sender's conversation with
    that recipient; a replay of the same Message-ID and an auto-reply add nothing."""
    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, email=email())
    message_id = send_through(engine, mailbox, [kid], allow_reply=True)
    [(_, sent)] = mailbox.received
    reply_to = sent["Reply-To"]
    assert reply_to.startswith("reply+") and reply_to.endswith("@" + DOMAIN)
    before = len(replies(engine))
    body = "Yes, she can come.\n\nOn Mon, Dec 1, 2026 at 9:00 AM Lincoln High wrote:\n> Field trip Friday"
    mail(inbound, reply_to, body=body, message_id="<answer-1@families.example.org>")
    mail(inbound, reply_to, body=body, message_id="<answer-1@families.example.org>")  # a replay
    mail(inbound, reply_to, body="I am out of the office.", Auto_Submitted="auto-replied")
    assert len(replies(engine)) == before + 1
    thread = gql(client, THREAD, {"kind": "CONTACT", "id": str(contact)}, token_for(engine, "admin"))
    [reply] = thread["data"]["thread"]["replies"]
    assert reply == {"messageId": str(message_id), "fromAddress": "parent@families.example.org",
                     "bodyText": "Yes, she can come."}


def test_forged_tokens_are_refused_and_add_nothing(engine, inbound):
    """A reply address with a wrong MAC, or any other mailbox, is refused at RCPT."""
    genuine = reply_address(123456, DOMAIN)
    forged = genuine.replace(genuine.split(".")[1][:4], "AAAA", 1)
    before = len(replies(engine))
    for address in (forged, f"reply+123456.{'x' * 22}@{DOMAIN}", f"principal@{DOMAIN}", "someone@elsewhere.org"):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            mail(inbound, address)
    assert len(replies(engine)) == before


def test_cmp_18_no_reply_is_filed_for_a_message_that_did_not_allow_replies(engine, mailbox, inbound):  # noqa: F811
    """Covers CMP-18: no Reply-To is offered, and an answer to the delivery's address is not filed."""
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email())
    message_id = send_through(engine, mailbox, [kid])
    [(_, sent)] = mailbox.received
    assert sent["Reply-To"] is None
    with session_scope(engine) as session:
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == message_id)).scalar_one()
    before = len(replies(engine))
    mail(inbound, reply_address(delivery_id, DOMAIN))
    assert len(replies(engine)) == before


def test_cmp_20_a_csv_imported_recipient_can_reply(engine, inbound):
    """Covers CMP-20: a recipient with no account (imported from CSV) answers by email and the
    answer lands in the sender's conversation with them."""
    from domain.messages import save_draft

    with session_scope(engine) as session:

        draft = save_draft(session, viewer_for(session, "admin"), request(channels=("EMAIL",), allow_reply=True))
        session.execute(insert(ImportedRecipient), [{"message_id": draft.id, "name": "Visiting Parent",
                                                     "email": "visitor@example.org", "source_row": 2}])
        session.execute(Message.__table__.update().where(Message.id == draft.id).values(status="QUEUED"))
        fan_out(session, draft.id)
        [[delivery_id]] = queued_delivery_chunks(session, draft.id, 500)
    mail(inbound, reply_address(delivery_id, DOMAIN), sender="visitor@example.org", body="Count me in.")
    with session_scope(engine) as session:
        filed = session.execute(select(ThreadReply).where(ThreadReply.delivery_id == delivery_id)).scalars().one()
    assert (filed.correspondent_kind, filed.body_text, filed.from_address) == (
        "IMPORTED", "Count me in.", "visitor@example.org")


def test_a_bounce_marks_the_delivery_failed_and_the_address_bouncing(engine, mailbox, inbound):  # noqa: F811
    """A delivery status notification (RFC 3464) with a 5.x.x status for one of our emails: the
    delivery becomes FAILED with that status and the address is opted out of email."""
    kid = add_student(engine, first_school_id(engine))
    address = email("bouncing")
    add_contact(engine, kid, email=address)
    message_id = send_through(engine, mailbox, [kid])
    [(_, sent)] = mailbox.received
    dsn = (f"From: MAILER-DAEMON@mx.families.example.org\r\nTo: bounces@{DOMAIN}\r\n"
           "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.families.example.org>\r\n"
           "MIME-Version: 1.0\r\n"
           'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
           "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
           "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
           "Reporting-MTA: dns; mx.families.example.org\r\n\r\n"
           f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
           f"Message-ID: {sent['Message-ID']}\r\nX-Homeroom-Delivery: {sent['X-Homeroom-Delivery']}\r\n\r\n"
           "--B--\r\n")
    with smtplib.SMTP("127.0.0.1", inbound) as smtp:
        smtp.sendmail("", [f"bounces@{DOMAIN}"], dsn.encode())
    with session_scope(engine) as session:
        delivery = session.execute(select(Delivery).where(Delivery.message_id == message_id)).scalars().one()
        opted_out = session.execute(select(ChannelOptOut).where(ChannelOptOut.address == address.lower())).first()
    assert (delivery.status, delivery.error_code) == ("FAILED", "5.1.1") and opted_out is not None


def test_cmp_16_allow_reply_is_off_when_sent_as_the_district(client, engine):
    """Covers CMP-16: allowReply with sendAsDistrict is stored off."""
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email())
    result = gql(client, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } } }""", {"input": {
        "htmlBody": "<p>x</p>", "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS", "studentIds": [str(kid)],
        "allowReply": True, "sendAsDistrict": True}}, token_for(engine, "admin"))
    with session_scope(engine) as session:
        stored = session.get(Message, int(result["data"]["sendMessage"]["message"]["id"]))
    assert stored.allow_reply is False


def test_inb_12_an_email_reply_with_a_flagged_word_is_flagged_and_hidden(client, engine, mailbox, inbound):  # noqa: F811
    """Covers INB-12: replies sent by email are checked against the flagged-words list before
    being filed: one with a listed word (any case, whole word) is flagged and shows the
    placeholder; one without is not."""
    token = token_for(engine, "admin")
    assert gql(client, """mutation { setFlaggedWords(words: ["Stupid", " fight "]) {
        ... on FlaggedWords { words } } }""", token=token)["data"]["setFlaggedWords"] == {"words": ["fight", "stupid"]}
    try:
        kid = add_student(engine, first_school_id(engine))
        contact = add_contact(engine, kid, email=email())
        send_through(engine, mailbox, [kid], allow_reply=True)
        [(_, sent)] = mailbox.received
        mail(inbound, sent["Reply-To"], body="This is STUPID.", message_id="<flag-1@families.example.org>")
        mail(inbound, sent["Reply-To"], body="Firefighters visit Friday.", message_id="<flag-2@families.example.org>")
        thread = gql(client, """query($id: ID!) { thread(recipientKind: CONTACT, recipientId: $id) {
            replies { bodyText flagged } } }""", {"id": str(contact)}, token)["data"]["thread"]
        assert thread["replies"] == [{"bodyText": "Firefighters visit Friday.", "flagged": False},
                                     {"bodyText": "Message Content Flagged", "flagged": True}]
    finally:
        gql(client, "mutation { setFlaggedWords(words: []) { __typename } }", token=token)
