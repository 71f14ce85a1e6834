"""``ntfy``: push notifications through an ntfy server (https://docs.ntfy.sh/publish/).

One HTTP POST per envelope to ``<server_url>/<topic_prefix>-<recipient>``, carrying only a generic
title and the notification id (no student data). 2xx → Sent (ntfy's message id); 429 and 5xx →
Retryable, honouring Retry-After; any other 4xx → PermanentFailure with the HTTP status; a
connection error → Retryable.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import ClassVar

from pydantic import AnyHttpUrl, Field, SecretStr

from channels.base import (
    Capabilities,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    PushChannel,
    PushEnvelope,
    Retryable,
    Sent,
)


class NtfyConfig(PluginConfig):
    server_url: AnyHttpUrl = Field(description="The ntfy server, e.g. https://ntfy.example.org")
    topic_prefix: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Topics are <prefix>-<recipient>.")
    token: SecretStr | None = Field(default=None, description="An ntfy access token (Bearer), if the server needs one.")
    timeout_seconds: float = Field(default=10, gt=0, le=60)


class NtfyChannel(PushChannel):
    name: ClassVar[str] = "ntfy"
    Config: ClassVar[type[PluginConfig]] = NtfyConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=100)

    config: NtfyConfig

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        return [self._send_one(envelope) if isinstance(envelope, PushEnvelope)
                else PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL") for envelope in batch]

    def topic_for(self, recipient: str) -> str:
        return f"{self.config.topic_prefix}-{re.sub(r'[^A-Za-z0-9_-]', '-', recipient)}"

    def _send_one(self, envelope: PushEnvelope) -> Outcome:
        body = json.dumps({"topic": self.topic_for(envelope.to), "title": envelope.title,
                           "message": f"notification {envelope.notification_id}",
                           "tags": ["homeroom"]}).encode()
        request = urllib.request.Request(str(self.config.server_url).rstrip("/") + "/", data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Homeroom-Reference": envelope.reference})
        if self.config.token is not None:
            request.add_header("Authorization", f"Bearer {self.config.token.get_secret_value()}")
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_seconds) as response:
                answer = json.loads(response.read() or b"{}")
                return Sent(envelope.reference, answer.get("id"))
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                retry_after = error.headers.get("Retry-After")
                delay = float(retry_after) if retry_after and retry_after.isdigit() else None
                return Retryable(envelope.reference, delay, str(error.code), error.reason)
            return PermanentFailure(envelope.reference, str(error.code), error.reason)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            return Retryable(envelope.reference, None, "NTFY_UNREACHABLE", type(error).__name__)
