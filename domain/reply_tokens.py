"""Reply tokens: the address a recipient's email answer goes to, bound to one delivery.

``reply+<delivery id>.<mac>@<reply domain>``: the MAC (HMAC-SHA256 with the deployment's secret,
truncated to 128 bits) covers the delivery id, so a token cannot be made for another delivery, and
the delivery names both ends of the conversation: the message's sender and that recipient.
"""

from __future__ import annotations

import re

from domain.signed_ids import deployment_secret, signed_id, verified_id

PREFIX = "reply+"
PURPOSE = "reply"
_ADDRESS = re.compile(r"^reply\+(\d+\.[A-Za-z0-9_-]{22})@", re.IGNORECASE)


def reply_address(delivery_id: int, domain: str, secret: bytes | None = None) -> str:
    return f"{PREFIX}{signed_id(PURPOSE, delivery_id, secret or deployment_secret())}@{domain}"


def delivery_of(address: str, secret: bytes | None = None) -> int | None:
    """The delivery a reply address names, or None when it is not a genuine reply address."""
    match = _ADDRESS.match(address.strip())
    return verified_id(PURPOSE, match.group(1), secret or deployment_secret()) if match else None
