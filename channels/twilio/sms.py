"""The ``twilio`` SMS plugin, on the official Twilio SDK.

Each SMS is one Messages create call, from the configured number or messaging service, with a
status callback URL that names the delivery (``/webhooks/twilio?ref=<delivery id>``; Twilio signs
the whole URL, so the reference cannot be forged). Answers:

- 2xx → Sent with the Message SID;
- 429 or 5xx, or no answer → Retryable;
- error 21610 (the recipient replied STOP to this sender) → PermanentFailure ``OPTED_OUT``, which
  the core records as an opt-out of the number;
- any other 4xx → PermanentFailure with Twilio's error code.

Webhooks are verified with ``X-Twilio-Signature`` (the SDK's RequestValidator) over the URL the
provider called, as Homeroom rebuilds it from its public base URL: status callbacks become
StatusEvents, inbound messages become InboundEvents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import requests
from pydantic import Field, model_validator
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from channels.base import (
    OPTED_OUT,
    Capabilities,
    Envelope,
    InboundEvent,
    Outcome,
    PermanentFailure,
    PluginConfig,
    Retryable,
    Sent,
    SmsChannel,
    SmsEnvelope,
    StatusEvent,
    WebhookEvent,
)
from channels.twilio.common import E164, TwilioAccountConfig, client_for, reference_in, verified_params
from channels.twilio import twiml

#: Twilio's error for a recipient who replied STOP to the sending number.
TWILIO_UNSUBSCRIBED = 21610
#: Twilio's message statuses → the core's (channels.base.StatusEvent); others are not final news.
STATUSES = {"sent": "SENT", "delivered": "DELIVERED", "undelivered": "UNDELIVERED", "failed": "FAILED"}


class TwilioSmsConfig(TwilioAccountConfig):
    from_number: str | None = Field(default=None, pattern=E164,
                                    description="The sending number, E.164; or set messaging_service_sid.")
    messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-fA-F]{32}$")
    messages_per_second: float | None = Field(default=None, gt=0, description="The sending number's rate; Homeroom "
                                              "paces to it across all workers. None: Twilio queues.")

    @model_validator(mode="after")
    def _one_sender(self) -> TwilioSmsConfig:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("set exactly one of from_number and messaging_service_sid")
        return self


class TwilioSmsChannel(SmsChannel):
    name: ClassVar[str] = "twilio"
    Config: ClassVar[type[PluginConfig]] = TwilioSmsConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=100, status_callbacks=True, inbound_messages=True)

    config: TwilioSmsConfig

    def configured_rate(self) -> float | None:
        return self.config.messages_per_second

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        client = client_for(self.config)
        return [self._send_one(client, envelope) if isinstance(envelope, SmsEnvelope)
                else PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL") for envelope in batch]

    def _send_one(self, client: Client, envelope: SmsEnvelope) -> Outcome:
        sender = ({"from_": self.config.from_number} if self.config.from_number
                  else {"messaging_service_sid": self.config.messaging_service_sid})
        callback = (f"{self.config.public_base_url}/webhooks/{self.name}?ref={envelope.reference}"
                    if self.config.public_base_url else None)
        try:
            created = client.api.v2010.accounts(self.config.account_sid).messages.create(
                to=envelope.to, body=envelope.text, status_callback=callback, **sender)
        except TwilioRestException as error:
            code = error.code if isinstance(error.code, int) else None
            if code == TWILIO_UNSUBSCRIBED:
                return PermanentFailure(envelope.reference, OPTED_OUT, "the recipient replied STOP (21610)")
            if error.status == 429 or error.status >= 500:
                return Retryable(envelope.reference, None, str(code or error.status))
            return PermanentFailure(envelope.reference, str(code or error.status), (error.msg or "")[:300])
        except (TwilioException, requests.RequestException) as error:  # no answer: refused, timed out
            return Retryable(envelope.reference, None, "TWILIO_UNREACHABLE", type(error).__name__)
        return Sent(envelope.reference, created.sid)

    def webhook_reply(self, text: str) -> tuple[str, bytes] | None:
        """TwiML that answers the inbound SMS with ``text`` (escaped)."""
        return twiml.MEDIA_TYPE, twiml.message(text).encode()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, url: str) -> list[WebhookEvent]:
        params = verified_params(self.config, headers, body, url)
        status = params.get("MessageStatus") or params.get("SmsStatus")
        if status and status != "received":
            reference, mapped = reference_in(url), STATUSES.get(status)
            return [StatusEvent(reference, mapped, params.get("ErrorCode") or None)] if mapped and reference else []
        return [InboundEvent(params["From"], params.get("To", ""), params.get("Body", ""),
                             external_id=params.get("MessageSid") or params.get("SmsSid"))]
