"""The smtp plugin against a real SMTP server (aiosmtpd): what is sent, how codes map, one
connection per batch, STARTTLS with auth, and the one-click unsubscribe it advertises."""

from __future__ import annotations

import ssl
import subprocess
from collections import Counter
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr
from sqlalchemy import select

from channels.base import ChannelKind, EmailEnvelope, PermanentFailure, Retryable, Sent
from channels.registry import ChannelRegistry
from channels.email.smtp import SmtpChannel, SmtpConfig
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id
from jobs.runtime import current
from models.db import session_scope
from models.directory import Contact
from models.messaging import ChannelOptOut, Delivery, DeliveryAttempt
from resolve import request, resolve, viewer_for
from peers.smtp_sink import Recorder, free_port, plugin_for


def envelope(reference, to, **extra):
    return EmailEnvelope(reference=reference, message_id=1, to=to, recipient_name="Pat Doe", from_name="Lincoln High",
                         subject="Picture day", html_body="<p>Picture <b>day</b></p>", text_body="Picture day",
                         **extra)


def test_smtp_sends_multipart_mail_and_maps_codes_on_one_connection(smtp_server):
    """Multipart HTML + text, From name, Message-ID as the provider id, RFC 8058 headers except on
    emergencies; 4xx → retryable, 5xx → permanent with the code; the batch shares one connection."""
    controller, recorder = smtp_server
    batch = [envelope("1", "ana@families.example.org", unsubscribe_url="https://hr.example.org/unsubscribe/t1"),
             envelope("2", "tempfail@families.example.org", unsubscribe_url="https://hr.example.org/unsubscribe/t2"),
             envelope("3", "reject@families.example.org", unsubscribe_url="https://hr.example.org/unsubscribe/t3"),
             envelope("4", "ben@families.example.org", emergency=True, unsubscribe_url=None)]
    outcomes = plugin_for(controller).send(batch)
    sent, later, refused, urgent = outcomes
    assert isinstance(sent, Sent) and sent.provider_id.startswith("delivery-1") and isinstance(urgent, Sent)
    assert isinstance(later, Retryable) and later.code == "451" and later.delay_seconds is None
    assert isinstance(refused, PermanentFailure) and refused.code == "550" and "Mailbox unknown" in refused.detail
    assert len(recorder.messages) == 2 and len(recorder.sessions) == 1
    first, emergency = recorder.messages
    assert first["From"].addresses[0].display_name == "Lincoln High"
    assert first["From"].addresses[0].addr_spec == "no-reply@district.example.org"
    assert first["Message-ID"].strip("<>") == sent.provider_id
    assert first["List-Unsubscribe"] == "<https://hr.example.org/unsubscribe/t1>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.get_body(("plain",)).get_content().strip() == "Picture day"
    assert "<b>day</b>" in first.get_body(("html",)).get_content()
    assert emergency["List-Unsubscribe"] is None and emergency["List-Unsubscribe-Post"] is None


def test_the_return_path_is_the_envelopes_signed_bounce_address(smtp_server):
    """Issue 13 point 2: MAIL FROM is each envelope's own return path (VERP) when the core gives
    one; without one, the configured envelope_sender, else the From address."""
    controller, recorder = smtp_server
    verp = "bounce+7.1900000000.abcd.AAAAAAAAAAAAAAAAAAAAAA@replies.district.example.org"
    plugin_for(controller, envelope_sender="bounces@district.example.org").send(
        [envelope("7", "ana@families.example.org", return_path=verp), envelope("8", "ben@families.example.org")])
    plugin_for(controller).send([envelope("9", "cy@families.example.org")])
    assert recorder.return_paths == [verp, "bounces@district.example.org", "no-reply@district.example.org"]
    assert all(message["Return-Path"] is None for message in recorder.messages)  # the receiver writes it


def test_smtp_connection_failure_leaves_the_batch_retryable():
    plugin = SmtpChannel(SmtpConfig(host="127.0.0.1", port=free_port(), security="none",
                                    from_address="no-reply@district.example.org", timeout_seconds=2))
    outcomes = plugin.send([envelope("9", "ana@families.example.org")])
    assert isinstance(outcomes[0], Retryable) and outcomes[0].code == "SMTP_CONNECT"


@pytest.fixture
def tls_smtp_server(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                           "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], capture_output=True)
    if made.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"mailer" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield controller, recorder
    controller.stop()


def test_smtp_starttls_and_login(tls_smtp_server):
    """STARTTLS then AUTH: the right password sends, a wrong one leaves the batch retryable and the
    password appears in no outcome and in the redacted config."""
    controller, recorder = tls_smtp_server
    good = SmtpChannel(SmtpConfig(host="127.0.0.1", port=controller.port, security="starttls", username="mailer",
                                  password=SecretStr("s3cret"), verify_certificates=False,
                                  from_address="no-reply@district.example.org"))
    assert isinstance(good.send([envelope("5", "ana@families.example.org")])[0], Sent)
    assert len(recorder.messages) == 1
    bad = SmtpChannel(SmtpConfig(host="127.0.0.1", port=controller.port, security="starttls", username="mailer",
                                 password=SecretStr("wrong-password"), verify_certificates=False,
                                 from_address="no-reply@district.example.org", timeout_seconds=3))
    [outcome] = bad.send([envelope("6", "ana@families.example.org")])
    assert isinstance(outcome, Retryable) and "wrong-password" not in repr(outcome)
    assert bad.config.redacted()["password"] == "**********"


def test_sys_10_one_click_unsubscribe_from_a_real_email_sets_the_contacts_email_opt_out(client, engine, smtp_server):
    """Covers SYS-10: a message dispatched through the smtp plugin carries a List-Unsubscribe link;
    POSTing List-Unsubscribe=One-Click to it (as a mail client does, RFC 8058) sets the contact's
    email opt-out and records the address, so the next message plans OPTED_OUT for it; a forged
    link changes nothing."""
    controller, recorder = smtp_server
    address = email("parent")
    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, email=address)
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", [kid]))
        fan_out(session, message.id)
        [chunk] = queued_delivery_chunks(session, message.id, 500)
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin_for(controller)})
    assert dispatch_deliveries(engine, registry, chunk, current().delivery).sent == 1
    [received] = recorder.messages
    link = urlsplit(received["List-Unsubscribe"].strip().strip("<>"))  # (a long header is folded)
    assert client.post(link.path[:-3] + "abc", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    page = client.get(link.path)
    assert page.status_code == 200 and address in page.text
    with session_scope(engine) as session:
        assert session.get(Contact, contact).email_opt_out is False  # looking is not unsubscribing
    done = client.post(link.path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    with session_scope(engine) as session:
        assert session.get(Contact, contact).email_opt_out is True
        assert session.execute(select(ChannelOptOut).where(ChannelOptOut.address == address)).scalars().first()
    rows, _ = resolve(engine, "admin", "PRIMARY_CONTACTS", [kid])
    assert [r["status"] for r in rows] == ["OPTED_OUT"]


def test_issue_13_10_one_unsendable_delivery_fails_alone_and_the_rest_are_sent_once(engine, smtp_server):
    """Covers JOB-05, RPT-02 (issue 13 point 10), end to end through the smtp plugin and a real SMTP
    server. Rows written before input refused control characters: a contact name with CR/LF and an
    injected header is folded onto one line and sent (no header is injected); a contact address with
    CR/LF cannot be written as an address, so that delivery alone is FAILED with INVALID_ADDRESS.
    Every other recipient gets the email exactly once, each delivery with one attempt."""
    controller, recorder = smtp_server
    school = first_school_id(engine)
    kids = [add_student(engine, school) for _ in range(6)]
    good = [email("good") for _ in range(4)]
    for kid, address in zip(kids, good):
        add_contact(engine, kid, email=address)
    folded = email("folded")
    add_contact(engine, kids[4], first_name="Pat\r\nBcc: intruder@evil.example", email=folded)
    add_contact(engine, kids[5], email="unsendable@families.example.org\r\nBcc: intruder@evil.example")
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", kids))
        fan_out(session, message.id)
        [chunk] = queued_delivery_chunks(session, message.id, 500)
    assert len(chunk) == 6
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin_for(controller)})
    result = dispatch_deliveries(engine, registry, chunk, current().delivery)
    assert (result.sent, result.failed, result.retry_ids) == (5, 1, [])
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery).where(Delivery.message_id == message.id)).scalars().all()
        attempts = Counter(session.execute(select(DeliveryAttempt.delivery_id).where(
            DeliveryAttempt.delivery_id.in_(chunk))).scalars())
    by_address = {row.address: row for row in rows}
    bad = next(row for row in rows if row.address.startswith("unsendable"))
    assert (bad.status, bad.error_code) == ("FAILED", "INVALID_ADDRESS")
    assert {by_address[address].status for address in good + [folded]} == {"SENT"}
    assert all(row.attempts == 1 for row in rows) and attempts == Counter({delivery_id: 1 for delivery_id in chunk})
    received = Counter(m["To"].addresses[0].addr_spec for m in recorder.messages)
    assert received == Counter(good + [folded])  # each good address once; nothing for the bad one
    [to_folded] = [m for m in recorder.messages if m["To"].addresses[0].addr_spec == folded]
    assert to_folded["To"].addresses[0].display_name.startswith("Pat Bcc: intruder@evil.example")
    assert all(m["Bcc"] is None and "intruder" not in str(m["Cc"]) for m in recorder.messages)
