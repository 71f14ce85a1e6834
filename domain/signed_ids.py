"""Ids signed for one purpose: ``<id>.<mac>``, the MAC an HMAC-SHA256 of ``<purpose>:<id>`` with
the deployment's secret, truncated to 128 bits (22 base64url characters). Unsubscribe links,
reply addresses and re-enrolment form links all use it; a token made for one purpose or one id
is worthless for another."""

from __future__ import annotations

import base64
import hmac
import re

_SIGNED = re.compile(r"^(\d{1,12})\.([A-Za-z0-9_-]{22})$")


def deployment_secret() -> bytes:
    from homeroom.settings import get_settings

    return get_settings().jwt_secret.get_secret_value().encode()


def signature(purpose: str, value: int, secret: bytes) -> str:
    digest = hmac.digest(secret, f"{purpose}:{value}".encode(), "sha256")[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_id(purpose: str, value: int, secret: bytes) -> str:
    return f"{value}.{signature(purpose, value, secret)}"


def verified_id(purpose: str, token: str, secret: bytes) -> int | None:
    """The id a genuine token names, else None."""
    match = _SIGNED.match(token)
    if match is None:
        return None
    value = int(match.group(1))
    return value if hmac.compare_digest(signature(purpose, value, secret), match.group(2)) else None
