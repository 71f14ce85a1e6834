"""The ``smtp`` email plugin: multipart HTML + text over SMTP (aiosmtplib), one connection per batch.

Each email carries a ``Message-ID`` derived from the delivery reference and, unless it is an
emergency, ``List-Unsubscribe`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058) pointing at the core's one-click endpoint. Its return path (MAIL FROM) is the
envelope's signed per-delivery bounce address when the core gives one (VERP), so bounces reach
``homeroom inbound-smtp`` and name their delivery; else ``envelope_sender``. A 4xx reply is
retryable, a 5xx reply is a permanent failure carrying the server's code; an address no email can
carry is a permanent ``INVALID_ADDRESS`` for that delivery alone; a connection or TLS failure
leaves the whole batch retryable.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from typing import ClassVar, Literal

import aiosmtplib
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
from channels.email.format import INVALID_ADDRESS, UnsendableEmail, compose_cc_copy, compose_email

log = logging.getLogger(__name__)


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


class SmtpChannel(EmailChannel):
    name: ClassVar[str] = "smtp"
    Config: ClassVar[type[PluginConfig]] = SmtpConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=500, attachments=True)

    config: SmtpConfig

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        return asyncio.run(self._send_batch(batch))

    def build(self, envelope: EmailEnvelope) -> EmailMessage:
        """The RFC 5322 message for one delivery (channels.email.format)."""
        return compose_email(envelope, from_address=self.config.from_address,
                             message_id_domain=self.config.message_id_domain)

    async def _send_batch(self, batch: Sequence[Envelope]) -> list[Outcome]:
        emails = [envelope for envelope in batch if isinstance(envelope, EmailEnvelope)]
        outcomes: dict[str, Outcome] = {
            envelope.reference: PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL")
            for envelope in batch if not isinstance(envelope, EmailEnvelope)}
        client = aiosmtplib.SMTP(
            hostname=self.config.host, port=self.config.port, timeout=self.config.timeout_seconds,
            use_tls=self.config.security == "tls", start_tls=self.config.security == "starttls",
            tls_context=self._tls_context())
        try:
            await client.connect()
            if self.config.username:
                await client.login(self.config.username,
                                   self.config.password.get_secret_value() if self.config.password else "")
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
            detail = _safe_detail(error)
            outcomes.update({e.reference: Retryable(e.reference, None, "SMTP_CONNECT", detail) for e in emails})
            return [outcomes[e.reference] for e in batch]
        try:
            for envelope in emails:  # one connection for the whole batch
                outcomes[envelope.reference] = await self._send_one(client, envelope)
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        return [outcomes[e.reference] for e in batch]

    async def _send_one(self, client: aiosmtplib.SMTP, envelope: EmailEnvelope) -> Outcome:
        try:
            message = self.build(envelope)
            cc_copy = compose_cc_copy(envelope, from_address=self.config.from_address,
                                      message_id_domain=self.config.message_id_domain)
        except UnsendableEmail as error:  # this delivery alone fails; the batch goes on
            return PermanentFailure(envelope.reference, INVALID_ADDRESS, str(error))
        outcome = await self._transmit(client, envelope.reference, message, self.return_path(envelope), [envelope.to])
        if cc_copy is not None and isinstance(outcome, Sent):
            # The Cc copy travels apart, with the plugin's own envelope sender: its fate is not the
            # delivery's, and its bounces name no delivery (channels.email.format).
            copied = await self._transmit(client, envelope.reference, cc_copy, self.config.envelope_sender
                                          or self.config.from_address, list(envelope.cc))
            if not isinstance(copied, Sent):
                log.warning("the Cc copy of delivery %s was not accepted (%s)", envelope.reference,
                            getattr(copied, "code", None))
        return outcome

    async def _transmit(self, client: aiosmtplib.SMTP, reference: str, message: EmailMessage, sender: str,
                        recipients: list[str]) -> Outcome:
        try:
            errors, _reply = await client.send_message(message, sender=sender, recipients=recipients)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            return _outcome_for_code(reference, refused.recipients[0].code, refused.recipients[0].message)
        except aiosmtplib.SMTPResponseException as error:
            return _outcome_for_code(reference, error.code, error.message)
        except (aiosmtplib.SMTPException, OSError) as error:
            return Retryable(reference, None, "SMTP_ERROR", _safe_detail(error))
        if errors:  # a refused recipient reported without an exception
            code, text = next(iter(errors.values()))
            return _outcome_for_code(reference, code, text)
        return Sent(reference, message["Message-ID"].strip("<>"))

    def return_path(self, envelope: EmailEnvelope) -> str:
        """MAIL FROM: the delivery's signed bounce address, else the configured envelope sender."""
        return envelope.return_path or self.config.envelope_sender or self.config.from_address

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
