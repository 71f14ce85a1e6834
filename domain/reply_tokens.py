"""Signed mail addresses bound to one delivery: where its answers and its bounces go.

- ``reply+<token>@<reply domain>``: the Reply-To of an email that allows replies (CMP-19). The
  delivery names both ends of the conversation: the message's sender and that recipient.
- ``bounce+<token>@<reply domain>``: the email's return path (MAIL FROM, VERP), so a delivery
  status notification names its delivery and cannot be forged for another one.

The tokens are ids signed for their purpose (domain.signed_ids), with its lifetime. Only the
canonical form is read: the lower-case prefix and the token exactly as it was signed.
"""

from __future__ import annotations

from domain.signed_ids import (
    BOUNCE,
    REPLY,
    BadSignedId,
    Purpose,
    SigningKeys,
    deployment_keys,
    read_signed_id,
    signed_id,
)

PREFIX = "reply+"
BOUNCE_PREFIX = "bounce+"
_PREFIXES = {REPLY: PREFIX, BOUNCE: BOUNCE_PREFIX}


def reply_address(delivery_id: int, domain: str, keys: SigningKeys | None = None, *, at: float | None = None) -> str:
    return f"{PREFIX}{signed_id(REPLY, delivery_id, keys or deployment_keys(), at=at)}@{domain}"


def bounce_address(delivery_id: int, domain: str, keys: SigningKeys | None = None, *, at: float | None = None) -> str:
    return f"{BOUNCE_PREFIX}{signed_id(BOUNCE, delivery_id, keys or deployment_keys(), at=at)}@{domain}"


def read_address(purpose: Purpose, address: str, keys: SigningKeys | None = None) -> int:
    """The delivery a signed address of ``purpose`` names; raises BadSignedId (ExpiredSignedId
    when it was genuine but is too old)."""
    local, at, _domain = address.rpartition("@") if isinstance(address, str) else ("", "", "")
    prefix = _PREFIXES[purpose]
    if not at or not local.startswith(prefix):
        raise BadSignedId("not a signed address")
    return read_signed_id(purpose, local.removeprefix(prefix), keys or deployment_keys())


def delivery_of(address: str, keys: SigningKeys | None = None) -> int | None:
    """The delivery a reply address names, or None when it is not a genuine, current one."""
    return _or_none(REPLY, address, keys)


def bounced_delivery_of(address: str, keys: SigningKeys | None = None) -> int | None:
    """The delivery a bounce address (return path) names, or None when it is not a genuine, current one."""
    return _or_none(BOUNCE, address, keys)


def _or_none(purpose: Purpose, address: str, keys: SigningKeys | None) -> int | None:
    try:
        return read_address(purpose, address, keys)
    except BadSignedId:
        return None
