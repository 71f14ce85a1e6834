"""Reply tokens: the address a recipient's email answer goes to, bound to one delivery.

``reply+<delivery id>.<mac>@<reply domain>``: the MAC (HMAC-SHA256 with the deployment's secret,
truncated to 128 bits) covers the delivery id, so a token cannot be made for another delivery, and
the delivery names both ends of the conversation: the message's sender and that recipient.
"""

from __future__ import annotations

import base64
import hmac
import re

PREFIX = "reply+"
_TOKEN = re.compile(r"^reply\+(\d+)\.([A-Za-z0-9_-]{22})@", re.IGNORECASE)


def _secret() -> bytes:
    from homeroom.settings import get_settings

    return get_settings().jwt_secret.get_secret_value().encode()


def _mac(delivery_id: int, secret: bytes) -> str:
    digest = hmac.digest(secret, f"reply:{delivery_id}".encode(), "sha256")[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def reply_address(delivery_id: int, domain: str, secret: bytes | None = None) -> str:
    return f"{PREFIX}{delivery_id}.{_mac(delivery_id, secret or _secret())}@{domain}"


def delivery_of(address: str, secret: bytes | None = None) -> int | None:
    """The delivery a reply address names, or None when it is not a genuine reply address."""
    match = _TOKEN.match(address.strip())
    if match is None:
        return None
    delivery_id = int(match.group(1))
    if not hmac.compare_digest(_mac(delivery_id, secret or _secret()), match.group(2)):
        return None
    return delivery_id
