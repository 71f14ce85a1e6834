"""The ``smtp`` email plugin: multipart HTML + text over SMTP, one connection per worker thread,
pipelined where the server offers it.

Each email carries a ``Message-ID`` derived from the delivery reference and, unless it is an
emergency, ``List-Unsubscribe`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058) pointing at the core's one-click endpoint. Its return path (MAIL FROM) is the
envelope's signed per-delivery bounce address when the core gives one (VERP), so bounces reach
``homeroom inbound-smtp`` and name their delivery; else ``envelope_sender``. A 4xx reply is
retryable, a 5xx reply is a permanent failure carrying the server's code; an address no email can
carry is a permanent ``INVALID_ADDRESS`` for that delivery alone, and so is an email that cannot
be built (``UNBUILT``: it is built before any of its commands is written, so the batch goes on);
a connection or TLS failure leaves the whole batch retryable.

How it keeps the sink's pace (issue 20 point 5): each worker thread keeps one connection across
batches (channels.email.connection), transactions are pipelined (channels.email.transfer), and
what the emails of one message share is serialised once (channels.email.wire). A connection lost
mid-batch is replaced and the batch goes on; the one email whose message went out unanswered is
retryable (the server may have it, as before) and is not sent again in this batch.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import smtplib
import ssl
from collections import deque
from collections.abc import Sequence
from email.message import EmailMessage
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from channels.base import (
    Capabilities,
    EmailChannel,
    EmailEnvelope,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    Retryable,
    Sent,
)
from channels.email.connection import CLOSING, SmtpConnection, ThreadConnections
from channels.email.format import INVALID_ADDRESS, UnsendableEmail, cc_copy_envelope, compose_email
from channels.email.transfer import ConnectionLost, Mail, Result, exchange, smtp_mailbox
from channels.email.wire import DeliveryHeaders, EmailShapes, WireEmail, assemble, wire_policy

log = logging.getLogger(__name__)

#: The PermanentFailure code of a delivery whose email could not be built (nothing of it was sent).
UNBUILT = "UNBUILT"


class SmtpConfig(PluginConfig):
    host: str = Field(description="The SMTP server (submission or relay).")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="STARTTLS on a plain port, implicit TLS, or neither (local relays only).")
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = Field(description="The header sender, e.g. no-reply@district.example.org.")
    envelope_sender: str | None = Field(
        default=None, description="Where bounces go (MAIL FROM) when Homeroom has no reply domain; with "
                                  "HOMEROOM_REPLY_DOMAIN each email's own signed bounce+…@ address is used. "
                                  "Default from_address.")
    message_id_domain: str = Field(default="homeroom.local", description="The right-hand side of Message-IDs.")
    timeout_seconds: float = Field(default=30, gt=0, le=300)
    verify_certificates: bool = True
    connection_check_after_seconds: float = Field(
        default=5, ge=0, le=3600, description="A kept connection idle this long answers a RSET before it is used.")
    connection_max_idle_seconds: float = Field(
        default=60, ge=0, le=3600, description="A kept connection idle longer is closed unused and a new one opened "
                                               "(servers drop idle clients); 0 closes it after every batch.")


@dataclasses.dataclass(frozen=True)
class _Sending:
    """What a transaction is: a delivery's email, or the Cc copy of it."""

    reference: str
    message_id: str
    cc_copy: bool = False


class SmtpChannel(EmailChannel):
    name: ClassVar[str] = "smtp"
    Config: ClassVar[type[PluginConfig]] = SmtpConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=500, attachments=True)

    config: SmtpConfig

    def __init__(self, config: PluginConfig):
        super().__init__(config)
        # Caches, not state: the config never changes, and each thread has its own connection.
        self._shapes = EmailShapes(from_address=self.config.from_address,
                                   message_id_domain=self.config.message_id_domain)
        self._connections = ThreadConnections(self._open_connection,
                                              check_after_seconds=self.config.connection_check_after_seconds,
                                              max_idle_seconds=self.config.connection_max_idle_seconds)

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        mails: deque[Mail] = deque()
        for envelope in batch:
            if not isinstance(envelope, EmailEnvelope):
                outcomes[envelope.reference] = PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL")
                continue
            try:
                mails.append(self._mail(envelope))
            except UnsendableEmail as error:  # this delivery alone fails; the batch goes on
                outcomes[envelope.reference] = PermanentFailure(envelope.reference, INVALID_ADDRESS, str(error))
        if mails:
            self._transmit(mails, outcomes)
        return [outcomes[envelope.reference] for envelope in batch]

    def build(self, envelope: EmailEnvelope) -> EmailMessage:
        """The RFC 5322 message for one delivery (channels.email.format), which what :meth:`send`
        writes equals in content."""
        return compose_email(envelope, from_address=self.config.from_address,
                             message_id_domain=self.config.message_id_domain)

    def return_path(self, envelope: EmailEnvelope) -> str:
        """MAIL FROM: the delivery's signed bounce address, else the configured envelope sender."""
        return envelope.return_path or self.config.envelope_sender or self.config.from_address

    def close(self) -> None:
        """QUIT the calling thread's connection (the next batch opens another)."""
        self._connections.close()

    def _mail(self, envelope: EmailEnvelope) -> Mail:
        """The delivery's transaction and, with Cc, its copy's as the follow-up. Raises UnsendableEmail."""
        headers = self._shapes.headers(envelope)
        sender, to = smtp_mailbox(self.return_path(envelope), "return path"), smtp_mailbox(envelope.to, "recipient")
        mail = Mail(_Sending(envelope.reference, headers.message_id), sender, (to,),
                    functools.partial(self._render, envelope, headers))
        if envelope.cc:
            # The Cc copy travels apart, with the plugin's own envelope sender: its fate is not the
            # delivery's, and its bounces name no delivery (channels.email.format).
            copy = cc_copy_envelope(envelope)
            copy_headers = self._shapes.headers(copy, cc_copy=True)
            mail.follow_up = Mail(
                _Sending(envelope.reference, copy_headers.message_id, cc_copy=True),
                smtp_mailbox(self.config.envelope_sender or self.config.from_address, "envelope sender"),
                tuple(smtp_mailbox(address, "Cc") for address in envelope.cc),
                functools.partial(self._render, copy, copy_headers))
        return mail

    def _render(self, envelope: EmailEnvelope, headers: DeliveryHeaders, eight_bit: bool) -> WireEmail:
        return assemble(self._shapes.shape(envelope, wire_policy(eight_bit=eight_bit)), headers)

    def _transmit(self, mails: deque[Mail], outcomes: dict[str, Outcome]) -> None:
        """Run the transactions, on a new connection when one is lost (as long as the last one got
        something answered), recording each delivery's outcome."""
        answered = 0

        def finished(result: Result) -> None:
            nonlocal answered
            answered += result.refusal is None or result.refusal.code != CLOSING
            self._record(result, outcomes)

        stalled = 0
        while mails:
            try:
                connection = self._connections.acquire()
            except (smtplib.SMTPException, OSError) as error:  # ssl.SSLError is an OSError
                self._give_up(mails, outcomes, "SMTP_CONNECT", _safe_detail(error))
                return
            answered_before = answered
            try:
                exchange(connection, mails, finished)
            except BaseException as error:
                # Whatever stopped the exchange (a lost connection, an email that could not be
                # built, a worker's time limit) may have left the server mid-transaction, waiting
                # for a message: the next batch's commands would become its text. Never reuse it.
                self._connections.discard()
                if not isinstance(error, ConnectionLost):
                    raise
                lost = error
                if lost.in_doubt is not None:
                    self._record_in_doubt(lost.in_doubt, outcomes)
                stalled = 0 if answered > answered_before else stalled + 1
                if stalled > 1:  # a new connection got nothing done either: leave the rest for later
                    code, detail = ((str(lost.closing.code), lost.closing.text) if lost.closing
                                    else ("SMTP_ERROR", "the connection was lost"))
                    self._give_up(mails, outcomes, code, detail)
                    return
                continue
            self._connections.release()

    def _record(self, result: Result, outcomes: dict[str, Outcome]) -> None:
        sending: _Sending = result.mail.owner
        if result.unbuilt:  # nothing of it went out
            log.error("the email of delivery %s could not be built (%s)", sending.reference, result.unbuilt)
            if not sending.cc_copy:
                outcomes[sending.reference] = PermanentFailure(
                    sending.reference, UNBUILT, f"the email could not be built ({result.unbuilt})")
        elif sending.cc_copy:
            if result.refusal:
                log.warning("the Cc copy of delivery %s was not accepted (%s)", sending.reference, result.refusal.code)
        elif result.refusal:
            outcomes[sending.reference] = _outcome_for_code(sending.reference, result.refusal.code, result.refusal.text)
        else:
            outcomes[sending.reference] = Sent(sending.reference, sending.message_id)

    def _record_in_doubt(self, mail: Mail, outcomes: dict[str, Outcome]) -> None:
        """The message went out and no reply came: the server may have it. Retryable, as before
        (the core decides), and never sent again within this batch."""
        sending: _Sending = mail.owner
        if sending.cc_copy:
            log.warning("the Cc copy of delivery %s may not have arrived (the connection was lost)", sending.reference)
        else:
            outcomes[sending.reference] = Retryable(sending.reference, None, "SMTP_ERROR",
                                                    "the connection was lost before the server answered the message")

    def _give_up(self, mails: deque[Mail], outcomes: dict[str, Outcome], code: str, detail: str) -> None:
        """Every transaction not yet run: retryable, with why."""
        for mail in mails:
            if not mail.owner.cc_copy:
                outcomes[mail.owner.reference] = Retryable(mail.owner.reference, None, code, detail[:200] or None)
        mails.clear()

    def _open_connection(self) -> SmtpConnection:
        return SmtpConnection.open(
            host=self.config.host, port=self.config.port, security=self.config.security,
            timeout=self.config.timeout_seconds, tls_context=self._tls_context(), username=self.config.username,
            password=self.config.password.get_secret_value() if self.config.password else None)

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.security == "none":
            return None
        context = ssl.create_default_context()
        if not self.config.verify_certificates:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def _outcome_for_code(reference: str, code: int, text: str) -> Outcome:
    """SMTP 4xx → retry later; 5xx → permanent, with the server's code."""
    detail = (text or "").strip()[:200] or None
    if 400 <= code < 500:
        return Retryable(reference, None, str(code), detail)
    return PermanentFailure(reference, str(code), detail)


def _safe_detail(error: BaseException) -> str:
    """The error's class and message, never the credentials."""
    return f"{type(error).__name__}: {error}"[:200]
