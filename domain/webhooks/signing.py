"""Standard Webhooks signing: secrets, message ids and the three headers every attempt carries.

The signature is the ``standardwebhooks`` package's (HMAC-SHA256 over ``id.timestamp.body``), so
what a receiver verifies with that package, in any language, is what we sign. While a rotated-out
secret is in its grace period both secrets sign and the header carries both (space separated), as
the specification allows, so a receiver can switch secrets at its own pace.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
USER_AGENT = "Homeroom-Webhooks/1"


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes (the specification asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_msg_id() -> str:
    """A webhook message's id (the ``webhook-id`` header): unique, the same on every retry."""
    return "msg_" + uuid.uuid4().hex


def signed_headers(msg_id: str, at: dt.datetime, body: str, signing_secrets: list[str]) -> dict[str, str]:
    """The headers of one attempt at ``at``: id, timestamp and one ``v1,`` signature per secret."""
    signatures = " ".join(Webhook(secret).sign(msg_id, at.astimezone(dt.UTC), body) for secret in signing_secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
