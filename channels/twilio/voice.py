"""The ``twilio-voice`` plugin: calls placed with the official Twilio SDK.

Each call shows the message's caller ID (CID-*; the configured number otherwise) and, once
answered, fetches what to say from Homeroom (``VoiceEnvelope.content_url``, per delivery). With
answering-machine detection set to wait for the end of a voicemail greeting, a voicemail gets
the whole message, while a person hears it as soon as they answer (VOI-11). A test call (no
``content_url``) carries its TwiML inline.

Answers to the create call:
- 2xx → Sent with the Call SID;
- an unreachable number (Twilio 13223, 13224, 21211, 21214, 21215, 21217, 21401, 21614) →
  PermanentFailure ``UNREACHABLE``, which starts the Communication Status Updates job (JOB-06);
- 429 or 5xx, or no answer → Retryable; any other 4xx → PermanentFailure with Twilio's code.

Status callbacks (``/webhooks/twilio-voice?ref=<delivery>``): an answered call that completed is
DELIVERED (by a person or a voicemail: the detail says which); busy, no answer, failed and
canceled are FAILED with that as the code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import requests
from pydantic import Field
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from channels.base import (
    UNREACHABLE,
    Capabilities,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    Retryable,
    Sent,
    StatusEvent,
    VoiceChannel,
    VoiceEnvelope,
    WebhookEvent,
)
from channels.twilio.common import E164, TwilioAccountConfig, client_for, reference_in, verified_params
from channels.twilio import twiml

#: Twilio errors that mean the number cannot be reached at all (invalid, not a phone, not in service).
UNREACHABLE_CODES = frozenset({13223, 13224, 21211, 21214, 21215, 21217, 21401, 21614})
#: A call's final statuses → the core's.
FINAL = {"busy": "BUSY", "no-answer": "NO_ANSWER", "failed": "FAILED", "canceled": "CANCELED"}


class TwilioVoiceConfig(TwilioAccountConfig):
    from_number: str = Field(pattern=E164, description="The number calls show when a message names no caller ID.")
    machine_detection: bool = Field(default=True, description="Wait for a voicemail's beep before speaking (VOI-11).")
    calls_per_second: float = Field(default=1.0, gt=0, description="The account's calls per second (Twilio's CPS); "
                                    "Homeroom paces to it across all workers.")


class TwilioVoiceChannel(VoiceChannel):
    name: ClassVar[str] = "twilio-voice"
    Config: ClassVar[type[PluginConfig]] = TwilioVoiceConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=50, status_callbacks=True)

    config: TwilioVoiceConfig

    def configured_rate(self) -> float | None:
        return self.config.calls_per_second

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        client = client_for(self.config)
        return [self._call(client, envelope) if isinstance(envelope, VoiceEnvelope)
                else PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL") for envelope in batch]

    def _call(self, client: Client, envelope: VoiceEnvelope) -> Outcome:
        options: dict = {"to": envelope.to, "from_": envelope.caller_id or self.config.from_number}
        if envelope.content_url:
            options["url"] = envelope.content_url
        else:  # a test call: nothing to fetch
            options["twiml"] = twiml.inline_say(envelope.script)
        if self.config.machine_detection:
            options["machine_detection"] = "DetectMessageEnd"
        if self.config.public_base_url and envelope.content_url:
            # Twilio's default event, "completed", carries every final status (busy, no-answer …).
            options["status_callback"] = f"{self.config.public_base_url}/webhooks/{self.name}?ref={envelope.reference}"
        try:
            call = client.api.v2010.accounts(self.config.account_sid).calls.create(**options)
        except TwilioRestException as error:
            code = error.code if isinstance(error.code, int) else None
            if code in UNREACHABLE_CODES:
                return PermanentFailure(envelope.reference, UNREACHABLE, f"Twilio {code}")
            if error.status == 429 or error.status >= 500:
                return Retryable(envelope.reference, None, str(code or error.status))
            return PermanentFailure(envelope.reference, str(code or error.status), (error.msg or "")[:300])
        except (TwilioException, requests.RequestException) as error:
            return Retryable(envelope.reference, None, "TWILIO_UNREACHABLE", type(error).__name__)
        return Sent(envelope.reference, call.sid)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, url: str) -> list[WebhookEvent]:
        params = verified_params(self.config, headers, body, url)
        reference, status = reference_in(url), params.get("CallStatus", "")
        if not reference:
            return []
        if status == "completed":
            answered_by = params.get("AnsweredBy", "")
            detail = "voicemail" if answered_by.startswith("machine") else "answered"
            return [StatusEvent(reference, "DELIVERED", None, detail)]
        if status in FINAL:
            return [StatusEvent(reference, "FAILED", FINAL[status], params.get("ErrorCode") or None)]
        return []
