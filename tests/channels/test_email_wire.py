"""An email built the fast way (channels.email.wire: MIME once per message shape, the delivery's
headers written per email) equals compose_email's, as the smtp plugin sent it until issue 20
(flattened with the SMTP policy, as the aiosmtplib client did before issue 20), header by header and part by part."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.parser import BytesParser
from io import BytesIO

import pytest

from channels.base import Attachment, EmailEnvelope, Sent
from channels.email.format import compose_cc_copy, compose_email
from channels.email.wire import EmailShapes, header_line, wire_policy
from peers.smtp_sink import plugin_for

FROM, DOMAIN = "no-reply@district.example.org", "homeroom.local"
SIGNED = "https://homeroom.district.example.org/unsubscribe/eyJkIjoxMjM0NTY3LCJhIjoicGFyZW50QGZhbWlsaWVzLmV4YW1w" \
         "bGUub3JnIn0.AbCdEf-GhIjKlMnOpQrStUvWxYz0123456789"


def envelope(**changes) -> EmailEnvelope:
    base = EmailEnvelope(reference="7001", message_id=42, to="ana@families.example.org", recipient_name="Ana Lopez",
                         from_name="Lincoln High", subject="Picture day is Friday",
                         text_body="Picture day is Friday.\n", html_body="<p>Picture day is <b>Friday</b>.</p>",
                         unsubscribe_url="https://hr.example.org/unsubscribe/t1")
    return dataclasses.replace(base, **changes)


SHAPES = {
    "plain": envelope(),
    "signed unsubscribe link (SYS-10)": envelope(unsubscribe_url=SIGNED),
    "emergency": envelope(emergency=True, unsubscribe_url=None),
    "reply address, Cc, automatic answer": envelope(
        reply_to="reply+7001.1900000000.abcd.AAAAAAAAAAAAAAAAAAAAAA@replies.district.example.org",
        cc=tuple(f"relative{n}@families.example.org" for n in range(4)), auto_replied=True),
    "not ASCII, long, to quote": envelope(
        recipient_name="José Núñez, tutor (padre)", from_name="Escuela Lincoln «Norte»",
        subject="Día de fotos: ¡el viernes! Traigan el formulario firmado y la ropa adecuada para la foto de grupo",
        text_body="Día de fotos.\n.Una línea que empieza con punto\n..y otra\n", html_body="<p>Día de fotos</p>",
        language="es"),
    "a name with line breaks": envelope(recipient_name="Pat\r\nBcc: intruder@evil.example", subject="Picture\nday"),
    "files (ATT-02) and a language (TRN-01)": envelope(
        language="vi", attachments=(Attachment("permission slip.pdf", "application/pdf", bytes(range(256)) * 40),
                                    Attachment("notes.txt", "text/plain", b"Bring a comb.\n"))),
}


def as_sent_until_issue_20(message: EmailMessage, *, eight_bit: bool) -> EmailMessage:
    """compose_email's message as aiosmtplib flattened it for the server, and as it arrived."""
    buffer = BytesIO()
    BytesGenerator(buffer, policy=wire_policy(eight_bit=eight_bit)).flatten(message)
    return BytesParser(policy=policy.default).parsebytes(buffer.getvalue())


def arrived(data: bytes) -> EmailMessage:
    """The DATA bytes as a server stores them: dot-stuffing undone, parsed."""
    return BytesParser(policy=policy.default).parsebytes(data.replace(b"\r\n..", b"\r\n."))


def assert_same_content(fast: EmailMessage, slow: EmailMessage) -> None:
    """Headers: the same names in the same order, the same values (Date within seconds, MIME
    boundaries aside); parts: the same structure, headers and content."""
    assert [name for name in fast.keys()] == [name for name in slow.keys()]
    for (name, mine), (_, theirs) in zip(fast.items(), slow.items()):
        if name == "Date":
            assert abs(mine.datetime - theirs.datetime) <= timedelta(seconds=5)
        elif name != "Content-Type":
            assert str(mine) == str(theirs), name
    fast_parts, slow_parts = list(fast.walk()), list(slow.walk())
    assert len(fast_parts) == len(slow_parts)
    for mine, theirs in zip(fast_parts, slow_parts):
        assert mine.get_content_type() == theirs.get_content_type()
        assert {k: v for k, v in mine.get_params() if k != "boundary"} == \
               {k: v for k, v in theirs.get_params() if k != "boundary"}
        assert [(k, str(v)) for k, v in mine.items() if k not in ("Content-Type", "Date")] == \
               [(k, str(v)) for k, v in theirs.items() if k not in ("Content-Type", "Date")]
        if not mine.is_multipart():
            assert mine.get_content() == theirs.get_content()


@pytest.mark.parametrize("eight_bit", [True, False], ids=["8BITMIME", "7bit"])
@pytest.mark.parametrize("name", list(SHAPES))
def test_the_fast_email_equals_compose_emails(name, eight_bit):
    shapes = EmailShapes(from_address=FROM, message_id_domain=DOMAIN)
    wire_form = wire_policy(eight_bit=eight_bit)
    subject = SHAPES[name]
    fast = shapes.wire(subject, wire_form)
    assert fast.message_id == f"delivery-{subject.reference}.{subject.message_id}@{DOMAIN}"
    slow = compose_email(subject, from_address=FROM, message_id_domain=DOMAIN)
    assert_same_content(arrived(fast.data), as_sent_until_issue_20(slow, eight_bit=eight_bit))
    if subject.cc:
        copy = shapes.wire(subject, wire_form, cc_copy=True)
        slow_copy = compose_cc_copy(subject, from_address=FROM, message_id_domain=DOMAIN)
        assert_same_content(arrived(copy.data), as_sent_until_issue_20(slow_copy, eight_bit=eight_bit))


def test_what_the_server_receives_equals_compose_emails(smtp_server):
    """Through the plugin and a real SMTP server (which undoes the dot-stuffing): every shape above."""
    controller, recorder = smtp_server
    batch = [dataclasses.replace(subject, reference=str(n), to=f"parent{n}@families.example.org", cc=())
             for n, subject in enumerate(SHAPES.values())]
    assert all(isinstance(outcome, Sent) for outcome in plugin_for(controller).send(batch))
    assert len(recorder.messages) == len(batch)
    for received, subject in zip(recorder.messages, batch):
        assert_same_content(received, as_sent_until_issue_20(
            compose_email(subject, from_address="no-reply@district.example.org", message_id_domain=DOMAIN),
            eight_bit=True))


def test_envelopes_of_one_message_share_a_shape_only_with_the_same_texts():
    """Insert fields give envelopes of one message different bodies: the shape is keyed by the
    texts, so each email carries its own; the same texts are serialised once."""
    shapes = EmailShapes(from_address=FROM, message_id_domain=DOMAIN)
    wire_form = wire_policy(eight_bit=True)
    ana, ben = envelope(text_body="Dear Ana,\n"), envelope(reference="7002", to="ben@f.example.org",
                                                           text_body="Dear Ben,\n")
    assert arrived(shapes.wire(ana, wire_form).data).get_body(("plain",)).get_content().strip() == "Dear Ana,"
    assert arrived(shapes.wire(ben, wire_form).data).get_body(("plain",)).get_content().strip() == "Dear Ben,"
    twin = dataclasses.replace(ana, reference="7003", to="cy@f.example.org", text_body="".join(["Dear ", "Ana,\n"]))
    assert shapes.shape(twin, wire_form) is shapes.shape(ana, wire_form)
    assert shapes.shape(ben, wire_form) is not shapes.shape(ana, wire_form)


def test_the_shapes_kept_are_bounded():
    shapes = EmailShapes(from_address=FROM, message_id_domain=DOMAIN, max_shapes=2)
    wire_form = wire_policy(eight_bit=True)
    first, second, third = (envelope(subject=f"Notice {n}") for n in range(3))
    kept = shapes.shape(first, wire_form)
    shapes.shape(second, wire_form)
    shapes.shape(third, wire_form)
    assert shapes.shape(first, wire_form) is not kept


@pytest.mark.parametrize("name, value", [
    ("To", "Ana Lopez <ana@families.example.org>"), ("To", '"Doe, Pat (guardian)" <pat@families.example.org>'),
    ("To", "ana@families.example.org"), ("Message-ID", "<delivery-7001.42@homeroom.local>"),
    ("X-Homeroom-Delivery", "7001"), ("Cc", "a@families.example.org, b@families.example.org"),
    ("Reply-To", "reply+1.2.ab.CD@replies.example.org"), ("Date", "Sun, 06 Dec 2026 10:52:08 -0000"),
    ("Subject", "x" * 69), ("Subject", "x" * 70), ("To", "=?utf-8?q?Jos=C3=A9?= <jose@families.example.org>"),
    ("Reply-To", "reply+7001.1900000000.abcd.AAAAAAAAAAAAAAAAAAAAAA@replies.district.example.org"),
])
def test_a_delivery_header_is_written_as_the_email_package_writes_it(name, value):
    """Byte for byte, on the fast path (a 78-character line of printable ASCII) and off it."""
    wire_form = wire_policy(eight_bit=True)
    assert header_line(name, value, wire_form) == wire_form.fold_binary(
        name, policy.default.header_store_parse(name, value)[1])
