"""Mail arriving at Homeroom: replies and bounces sent over SMTP to `homeroom inbound-smtp`'s server
(the ``inbound`` fixture in tests/inbound/conftest.py), and what they changed."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from factories import add_contact, add_student, email, first_school_id
from models.db import session_scope
from models.messaging import ChannelOptOut, Delivery
from models.conversations import ThreadReply
from peers.smtp_sink import send_through


DOMAIN = "replies.homeroom.test"


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


def dsn(recipient: str, status: str = "5.1.1", *, action: str = "failed", to: str = f"bounces@{DOMAIN}",
        original_headers: str = "") -> bytes:
    """A delivery status notification (RFC 3464) as a receiving server writes it."""
    return (f"From: MAILER-DAEMON@mx.families.example.org\r\nTo: {to}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.families.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.families.example.org\r\n\r\n"
            f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
            "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"{original_headers}Subject: Field trip\r\n\r\n"
            "--B--\r\n").encode()


def bounce_state(engine, delivery_id: int, address: str) -> tuple[str, str | None, bool]:
    with session_scope(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        opted_out = session.execute(select(ChannelOptOut).where(ChannelOptOut.address == address.lower())).first()
    return delivery.status, delivery.error_code, opted_out is not None


def emailed(engine, mailbox, **options) -> tuple[int, str, str, object]:  # noqa: F811
    """One email sent through the smtp plugin to a new contact: (delivery id, address, the email's
    return path, the email)."""
    kid = add_student(engine, first_school_id(engine))
    address = email("bouncing")
    add_contact(engine, kid, email=address)
    message_id = send_through(engine, mailbox, [kid], **options)
    with session_scope(engine) as session:
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == message_id)).scalar_one()
    [(sent, return_path)] = [(message, path) for (recipients, message), path
                             in zip(mailbox.received, mailbox.return_paths) if recipients == [address]]
    return delivery_id, address, return_path, sent  # (a Cc copy travels apart, with no return path of its own)
