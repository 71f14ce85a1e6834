"""Email replies through a real SMTP conversation with `homeroom inbound-smtp`'s server."""

from __future__ import annotations

import smtplib
import tempfile

import pytest
from sqlalchemy import insert, select

from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.inbound.inbound_email import parse
from domain.inbound.reply_tokens import reply_address
from factories import add_contact, add_student, email, first_school_id
from helpers import gid, gql, pk_of, token_for
from homeroom.inbound_smtp import start
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery, ImportedRecipient, Message
from models.conversations import ThreadReply
from resolve import request, viewer_for
from peers.smtp_sink import send_through
from peers.smtp_sink import free_port
from inbound_mail import DOMAIN, bounce_state, dsn, emailed, mail, replies

THREAD = """query($kind: RecipientKind!, $id: ID!) { recipientThread(recipientKind: $kind, recipientId: $id) {
  replies { nodes { messageId fromAddress bodyText } } } }"""


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
    thread = gql(client, THREAD, {"kind": "CONTACT", "id": gid("Contact", contact)}, token_for(engine, "admin"))
    [reply] = thread["data"]["recipientThread"]["replies"]["nodes"]
    assert reply == {"messageId": gid("Message", message_id), "fromAddress": "parent@families.example.org",
                     "bodyText": "Yes, she can come."}


def test_forged_tokens_are_refused_and_add_nothing(engine, inbound):
    """A reply address with a wrong MAC, or any other mailbox, is refused at RCPT."""
    genuine = reply_address(123456, DOMAIN, current().links.keys)
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
    mail(inbound, reply_address(delivery_id, DOMAIN, current().links.keys))
    assert len(replies(engine)) == before


def test_cmp_20_a_csv_imported_recipient_can_reply(engine, inbound):
    """Covers CMP-20: a recipient with no account (imported from CSV) answers by email and the
    answer lands in the sender's conversation with them."""
    from domain.messages.send import save_draft

    with session_scope(engine) as session:

        draft = save_draft(session, viewer_for(session, "admin"), request(channels=("EMAIL",), allow_reply=True))
        session.execute(insert(ImportedRecipient), [{"message_id": draft.id, "name": "Visiting Parent",
                                                     "email": "visitor@example.org", "source_row": 2}])
        session.execute(Message.__table__.update().where(Message.id == draft.id).values(status="QUEUED"))
        fan_out(session, draft.id)
        [[delivery_id]] = queued_delivery_chunks(session, draft.id, 500)
    mail(inbound, reply_address(delivery_id, DOMAIN, current().links.keys), sender="visitor@example.org", body="Count me in.")
    with session_scope(engine) as session:
        filed = session.execute(select(ThreadReply).where(ThreadReply.delivery_id == delivery_id)).scalars().one()
    assert (filed.correspondent_kind, filed.body_text, filed.from_address) == (
        "IMPORTED", "Count me in.", "visitor@example.org")


def send_raw(port: int, to: str, raw: bytes, sender: str = "") -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail(sender, [to], raw)


def test_a_bounce_to_the_signed_return_path_marks_the_delivery_failed_and_the_address_bouncing(
        engine, mailbox, inbound):  # noqa: F811
    """Covers SYS-10 (issue 13 point 2): each email's return path (MAIL FROM) is a signed
    bounce+…@ address of its own delivery (VERP); a delivery status notification sent there with a
    5.x.x status for that delivery's address marks the delivery FAILED with that status and opts
    the address out of email."""
    delivery_id, address, return_path, _ = emailed(engine, mailbox)
    assert return_path.startswith("bounce+") and return_path.endswith("@" + DOMAIN)
    assert bounce_state(engine, delivery_id, address) == ("SENT", None, False)
    send_raw(inbound, return_path, dsn(address.upper(), to=return_path))
    assert bounce_state(engine, delivery_id, address) == ("FAILED", "5.1.1", True)


def test_the_outbox_records_each_emails_return_path_and_a_bounce_to_it_is_honoured(client, engine, inbound):
    """Covers SYS-10 (issue 13 point 2): the outbox plugin writes the Return-Path a receiving server
    would record, the delivery's signed bounce address; a bounce sent there is honoured."""
    from harness import OUTBOX_DIR
    from helpers import wait_for_message

    kid = add_student(engine, first_school_id(engine))
    address = email("outboxed")
    add_contact(engine, kid, email=address)
    token = token_for(engine, "admin")
    sent = gql(client, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } } }""", {"input": {
        "subject": "Picture day", "htmlBody": "<p>Smile</p>", "channels": ["EMAIL"],
        "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)]}}, token)
    message_id = sent["data"]["sendMessage"]["message"]["id"]
    assert wait_for_message(client, token, message_id)["status"] == "COMPLETED"
    with session_scope(engine) as session:
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == pk_of(message_id))).scalar_one()
    written = (OUTBOX_DIR / "email" / f"{delivery_id}.eml").read_bytes()
    return_path = parse(written)["Return-Path"].strip("<> ")
    assert written.startswith(b"Return-Path: <bounce+") and return_path.endswith("@" + DOMAIN)
    send_raw(inbound, return_path, dsn(address, "5.1.2", to=return_path))
    assert bounce_state(engine, delivery_id, address) == ("FAILED", "5.1.2", True)


def test_a_forged_bounce_is_refused_and_switches_off_nobody(engine, mailbox, inbound):  # noqa: F811
    """Covers SYS-10 (issue 13 point 2): a bounce to the plain bounces@ mailbox is refused at RCPT
    whatever its X-Homeroom-Delivery header says, and so is one to a bounce address that is not
    signed (a guessed id, a MAC of another delivery); a genuine return path of one delivery cannot
    opt out another delivery's address. Nothing changes."""
    victim, victim_address, victim_path, victim_mail = emailed(engine, mailbox)
    header = f"X-Homeroom-Delivery: {victim_mail['X-Homeroom-Delivery']}\r\n"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_raw(inbound, f"bounces@{DOMAIN}", dsn(victim_address, original_headers=header))
    assert bounce_state(engine, victim, victim_address) == ("SENT", None, False)
    mailbox.received.clear(), mailbox.return_paths.clear()
    _, _, own_path, _ = emailed(engine, mailbox)
    token = victim_path.removeprefix("bounce+").split("@")[0]
    other_id = str(int(token.split(".")[0]) + 1)
    for address in (f"bounce+{victim}@{DOMAIN}", f"bounce+{other_id}.{token.partition('.')[2]}@{DOMAIN}",
                    f"BOUNCE+{token}@{DOMAIN}", victim_path.replace("bounce+", "reply+")):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send_raw(inbound, address, dsn(victim_address, to=address, original_headers=header))
        assert [code for code, _ in refused.value.recipients.values()] == [550]
    send_raw(inbound, own_path, dsn(victim_address, to=own_path, original_headers=header))  # accepted, ignored
    assert bounce_state(engine, victim, victim_address) == ("SENT", None, False)


def test_only_a_permanent_failure_of_the_deliverys_own_address_opts_it_out(engine, mailbox, inbound):  # noqa: F811
    """Covers SYS-10 (issue 13 point 2): at the delivery's genuine return path, a transient status
    (4.x.x, delayed), a report about another recipient (a Cc address) and mail that is not a
    delivery report (an out-of-office answering the return path) change nothing; the permanent
    failure of the delivery's own address does."""
    cc = email("office")
    delivery_id, address, return_path, _ = emailed(engine, mailbox, cc=(cc,))
    send_raw(inbound, return_path, dsn(address, "4.2.2", action="delayed", to=return_path))
    send_raw(inbound, return_path, dsn(address, "4.4.7", to=return_path))
    send_raw(inbound, return_path, dsn(cc, "5.1.1", to=return_path))
    out_of_office = (f"From: {address}\r\nTo: {return_path}\r\nSubject: Out of office\r\n"
                     "Auto-Submitted: auto-replied\r\n\r\nBack Monday.\r\n").encode()
    send_raw(inbound, return_path, out_of_office)
    assert bounce_state(engine, delivery_id, address) == ("SENT", None, False)
    assert bounce_state(engine, delivery_id, cc)[2] is False
    send_raw(inbound, return_path, dsn(address, "5.2.1", to=return_path))
    assert bounce_state(engine, delivery_id, address) == ("FAILED", "5.2.1", True)


def test_cmp_16_allow_reply_is_off_when_sent_as_the_district(client, engine):
    """Covers CMP-16: allowReply with sendAsDistrict is stored off."""
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email())
    result = gql(client, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } } }""", {"input": {
        "htmlBody": "<p>x</p>", "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
        "studentIds": [gid("Student", kid)],
        "allowReply": True, "sendAsDistrict": True}}, token_for(engine, "admin"))
    with session_scope(engine) as session:
        stored = session.get(Message, pk_of(result["data"]["sendMessage"]["message"]["id"]))
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
        thread = gql(client, """query($id: ID!) { recipientThread(recipientKind: CONTACT, recipientId: $id) {
            replies { nodes { bodyText flagged } } } }""", {"id": gid("Contact", contact)},
                     token)["data"]["recipientThread"]
        assert thread["replies"]["nodes"] == [{"bodyText": "Firefighters visit Friday.", "flagged": False},
                                     {"bodyText": "Message Content Flagged", "flagged": True}]
    finally:
        gql(client, "mutation { setFlaggedWords(words: []) { __typename } }", token=token)


def test_a_reply_without_message_id_is_filed_once_however_often_it_is_replayed(engine, mailbox, inbound):  # noqa: F811
    """Covers CMP-19 (issue 13 point 16): mail without a Message-ID is recognised by its content
    (from, to, date, subject, body): a replayed copy is not filed again, another answer is."""
    _, _, _, sent = emailed(engine, mailbox, allow_reply=True)
    reply_to = sent["Reply-To"]

    def answer(body: str) -> bytes:
        return (f"From: parent@families.example.org\r\nTo: {reply_to}\r\nSubject: Re: Test\r\n"
                f"Date: Mon, 01 Dec 2026 09:00:00 +0000\r\n\r\n{body}\r\n").encode()

    before = len(replies(engine))
    for _ in range(3):
        send_raw(inbound, reply_to, answer("We will be there."))
    send_raw(inbound, reply_to, answer("And grandma too."))
    assert sorted(text for _, _, text in replies(engine)[before:]) == ["And grandma too.", "We will be there."]


def test_mail_that_cannot_be_read_is_never_answered_451(engine, mailbox, inbound):  # noqa: F811
    """Issue 13 point 11: an answer in an unknown charset is accepted and filed (what decodes is
    kept); a delivery id of 20 digits, in an address or a header, is refused with 550 or accepted
    and ignored, never answered 451 (which makes the sender retry for days)."""
    delivery_id, address, return_path, sent = emailed(engine, mailbox, allow_reply=True)
    reply_to = sent["Reply-To"]
    odd_charset = (f"From: parent@families.example.org\r\nTo: {reply_to}\r\nSubject: Re: Test\r\n"
                   "Message-ID: <charset-1@families.example.org>\r\n"
                   'Content-Type: text/plain; charset="x-no-such-charset"\r\n\r\nSee you at nine.\r\n').encode()
    before = len(replies(engine))
    send_raw(inbound, reply_to, odd_charset)
    assert [text for _, _, text in replies(engine)[before:]] == ["See you at nine."]

    huge = "9" * 20
    header = f"X-Homeroom-Delivery: {huge}\r\n"
    signed_part = return_path.removeprefix("bounce+").split("@")[0].partition(".")[2]
    for to in (f"bounces@{DOMAIN}", f"bounce+{huge}@{DOMAIN}", f"reply+{huge}.{'A' * 22}@{DOMAIN}",
               f"bounce+{huge}.{signed_part}@{DOMAIN}"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send_raw(inbound, to, dsn(address, to=to, original_headers=header))
        assert [code for code, _ in refused.value.recipients.values()] == [550]
    send_raw(inbound, return_path, dsn("other@example.org", to=return_path, original_headers=header))
    assert bounce_state(engine, delivery_id, address) == ("SENT", None, False)


def test_only_trouble_worth_retrying_is_answered_451(engine):
    """Issue 13 point 11: when the database cannot be reached, a genuine reply is answered 451 so
    the sender retries later."""
    from models.db import engine_for

    unreachable = engine_for(f"sqlite:///{tempfile.mkdtemp()}/missing/folder/homeroom.db")
    port = free_port()
    controller = start(unreachable, DOMAIN, "127.0.0.1", port, current().links.keys)
    try:
        with pytest.raises(smtplib.SMTPDataError) as deferred:
            mail(port, reply_address(123456, DOMAIN, current().links.keys))
        assert deferred.value.smtp_code == 451
    finally:
        controller.stop()


@pytest.mark.parametrize("spelling", ["upper-case prefix", "leading zero", "padding", "lower-case MAC"])
def test_only_the_canonical_spelling_of_a_reply_address_is_accepted(engine, inbound, spelling):
    """Issue 13 point 16: a reply address is accepted only exactly as it was signed."""
    genuine = reply_address(123456, DOMAIN, current().links.keys)
    local, _, domain = genuine.partition("@")
    token = local.removeprefix("reply+")
    spelled = {"upper-case prefix": f"REPLY+{token}",
               "leading zero": f"reply+0{token}",
               "padding": f"reply+{token}==",
               "lower-case MAC": f"reply+{token[:-22]}{token[-22:].lower()}"}[spelling]
    assert spelled != local
    with smtplib.SMTP("127.0.0.1", inbound) as client:
        client.ehlo()
        code, _ = client.docmd("MAIL", "FROM:<parent@families.example.org>")
        assert code == 250
        code, _ = client.docmd("RCPT", f"TO:<{spelled}@{domain}>")
        assert code >= 500
        code, _ = client.docmd("RCPT", f"TO:<{genuine}>")
        assert code == 250
