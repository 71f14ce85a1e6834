"""The ``webpush`` plugin: standard Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm
payload encryption (RFC 8291), through pywebpush.

Each push goes to every subscription the recipient registered. The payload is only
``{"notification_id", "title"}`` (the delivery's opaque id, as the API shows it): the app fetches
the message after signing in, so no student data crosses a push service. 201 → Sent; 404/410 →
that subscription is gone (the core removes it); 429/5xx or a connection error → Retryable
(honouring Retry-After); other 4xx → permanent.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pydantic import Field, SecretStr, field_validator
from pywebpush import WebPushException, webpush

from channels.base import (
    Capabilities,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    PushChannel,
    PushEnvelope,
    PushTarget,
    Retryable,
    Sent,
)

GONE = (404, 410)


class WebPushConfig(PluginConfig):
    vapid_private_key: SecretStr = Field(description="The VAPID key: base64url raw P-256 private key, or PEM.")
    vapid_subject: str = Field(description="mailto: or https: contact for push services, e.g. mailto:it@district.org")
    ttl_seconds: int = Field(default=86_400, ge=0, le=2_419_200, description="How long a push service may hold it.")
    timeout_seconds: float = Field(default=10, gt=0, le=60)

    @field_validator("vapid_subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if not value.startswith(("mailto:", "https:")):
            raise ValueError("must start with mailto: or https:")
        return value

    @field_validator("vapid_private_key")
    @classmethod
    def _key(cls, value: SecretStr) -> SecretStr:
        try:
            _vapid(value)
        except Exception:  # noqa: BLE001  (never echo the key)
            raise ValueError("is not a P-256 private key (base64url raw or PEM)") from None
        return value


def _vapid(key: SecretStr) -> Vapid02:
    text = key.get_secret_value().strip()
    if "BEGIN" in text:
        return Vapid02.from_pem(text.encode())
    if len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) != 32:
        raise ValueError("a raw P-256 private key is 32 bytes")
    return Vapid02.from_raw(text.encode())


class WebPushChannel(PushChannel):
    name: ClassVar[str] = "webpush"
    Config: ClassVar[type[PluginConfig]] = WebPushConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=200)

    config: WebPushConfig

    @property
    def application_server_key(self) -> str:
        """The public key browsers subscribe with (PushManager.subscribe's applicationServerKey)."""
        raw = _vapid(self.config.vapid_private_key).public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        vapid = _vapid(self.config.vapid_private_key)
        with requests.Session() as http:  # connection reuse across the batch
            return [self._send_one(http, vapid, envelope) if isinstance(envelope, PushEnvelope)
                    else PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL") for envelope in batch]

    def _send_one(self, http: requests.Session, vapid: Vapid02, envelope: PushEnvelope) -> Outcome:
        if not envelope.targets:
            return PermanentFailure(envelope.reference, "NO_SUBSCRIPTION", "the recipient registered no device")
        payload = json.dumps({"notification_id": envelope.notification_id, "title": envelope.title})
        sent_ids, gone, retry, failures = [], [], None, []
        for target in envelope.targets:
            status, headers = self._post(http, vapid, target, payload)
            if 200 <= status < 300:
                sent_ids.append(headers.get("Location") or target.endpoint)
            elif status in GONE:
                gone.append(target.endpoint)
            elif status == 429 or status >= 500 or status == 0:
                after = headers.get("Retry-After", "")
                retry = retry or Retryable(envelope.reference, float(after) if after.isdigit() else None,
                                           str(status) if status else "PUSH_UNREACHABLE")
            else:
                failures.append(str(status))
        if sent_ids:
            return Sent(envelope.reference, sent_ids[0], gone=tuple(gone))
        if retry is not None:
            return retry
        if gone and not failures:
            return PermanentFailure(envelope.reference, "SUBSCRIPTION_GONE", gone=tuple(gone))
        return PermanentFailure(envelope.reference, failures[0] if failures else "PUSH_FAILED", gone=tuple(gone))

    def _post(self, http: requests.Session, vapid: Vapid02, target: PushTarget, payload: str):
        endpoint = urlsplit(target.endpoint)
        claims = {"sub": self.config.vapid_subject, "aud": f"{endpoint.scheme}://{endpoint.netloc}"}
        try:
            response = webpush({"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}},
                               data=payload, vapid_private_key=vapid, vapid_claims=claims,
                               ttl=self.config.ttl_seconds, timeout=self.config.timeout_seconds,
                               requests_session=http)
            return response.status_code, response.headers
        except WebPushException as error:
            if error.response is not None:
                return error.response.status_code, error.response.headers
            return 0, {}
        except requests.RequestException:
            return 0, {}
