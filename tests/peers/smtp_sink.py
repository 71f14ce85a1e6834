"""Real SMTP servers (aiosmtpd) that tests send to, and the steps that send a message through the
smtp plugin to one of them. The fixtures that start them (``smtp_server``, ``mailbox``) are in
``conftest.py``."""

from __future__ import annotations

import socket
import threading
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
    """An SMTP handler that keeps what it receives and refuses some recipients by their name (and
    return paths starting with "refused"); with ``pipelining`` its EHLO offers PIPELINING (RFC
    2920), which aiosmtpd reads but does not announce by itself."""

    def __init__(self, *, pipelining: bool = False):
        self.pipelining = pipelining
        self.messages, self.sessions, self.return_paths = [], set(), []
        self.peers = []  # the client's (host, port) of each message: one per connection
        self.resets = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.startswith("refused"):
            return "550 5.7.1 Sender refused"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        if address.startswith("reject"):
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):
        self.resets += 1
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sessions.add(id(session))
        self.peers.append(session.peer)
        self.return_paths.append(envelope.mail_from)
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 Message accepted"

    def delivered_to(self) -> list[str]:
        """The To address of each message received, in order."""
        return [message["To"].addresses[0].addr_spec for message in self.messages]


class Relay:
    """A TCP relay between a client and an SMTP server that keeps what the client wrote, as it
    arrived (one pipelined group arrives as one piece on loopback), and can cut the connection in
    place of passing on the end of the n-th message: the server never has that message, while the
    client has sent it and waits for the reply."""

    END_OF_MESSAGE = b"\r\n.\r\n"

    def __init__(self, server_port: int):
        self.server_port = server_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pieces: list[bytes] = []
        self.cut_at_message: int | None = None  # counted from 1 over every connection
        self.messages_passed = 0
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.server_port))
            self._sockets += [client, server]
            threading.Thread(target=self._pass, args=(server, client, False), daemon=True).start()
            threading.Thread(target=self._pass, args=(client, server, True), daemon=True).start()

    def _pass(self, source: socket.socket, target: socket.socket, from_client: bool):
        tail = b""
        try:
            while piece := source.recv(65536):
                if from_client:
                    self.pieces.append(piece)
                    ends = (tail + piece).count(self.END_OF_MESSAGE)
                    tail = (tail + piece)[-4:]
                    if self.cut_at_message is not None and \
                            self.messages_passed < self.cut_at_message <= self.messages_passed + ends:
                        self.cut_at_message = None
                        break
                    self.messages_passed += ends
                target.sendall(piece)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def close(self):
        self.listener.close()
        for end in self._sockets:
            end.close()


def plugin_for(controller, **config) -> SmtpChannel:
    config = {"port": controller.port, **config}
    return SmtpChannel(SmtpConfig(host="127.0.0.1", security="none", from_address="no-reply@district.example.org",
                                  **config))


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
