"""Real SMTP servers (aiosmtpd) that tests send to, and the steps that send a message through the
smtp plugin to one of them. The fixtures that start them (``smtp_server``, ``mailbox``) are in
``conftest.py``."""

from __future__ import annotations

import socket
from email import policy
from email.parser import BytesParser

from channels.base import ChannelKind
from channels.email.smtp import SmtpChannel, SmtpConfig
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from jobs.runtime import current
from models.db import session_scope
from resolve import request, viewer_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """An SMTP handler that keeps what it receives and refuses some recipients by their name."""

    def __init__(self):
        self.messages, self.sessions, self.return_paths = [], set(), []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        if address.startswith("reject"):
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sessions.add(id(session))
        self.return_paths.append(envelope.mail_from)
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 Message accepted"


def plugin_for(controller, **config) -> SmtpChannel:
    return SmtpChannel(SmtpConfig(host="127.0.0.1", port=controller.port, security="none",
                                  from_address="no-reply@district.example.org", **config))


class Mailbox:
    def __init__(self):
        self.received = []  # (recipients of the SMTP envelope, parsed message)
        self.return_paths = []  # the envelope's MAIL FROM of each, in the same order

    async def handle_DATA(self, server, session, envelope):
        self.return_paths.append(envelope.mail_from)
        self.received.append((list(envelope.rcpt_tos), BytesParser(policy=policy.default).parsebytes(envelope.content)))
        return "250 OK"


def send_through(engine, box, kids, *, login="admin", channels=("EMAIL",), **options) -> int:
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login),
                                 request("PRIMARY_CONTACTS", kids, channels=channels, **options))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    dispatch_chunks(engine, box, chunks)
    return message.id


def dispatch_chunks(engine, box, chunks) -> None:
    """Dispatch with email going to the mailbox's SMTP server, SMS and calls to the outbox."""
    registry = ChannelRegistry({ChannelKind.EMAIL: box.plugin, **{
        kind: current().registry.for_kind(kind) for kind in (ChannelKind.SMS, ChannelKind.VOICE)}})
    for chunk in chunks:
        dispatch_deliveries(engine, registry, chunk, current().delivery)
