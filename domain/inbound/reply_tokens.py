"""Signed mail addresses bound to one delivery: where its answers and its bounces go.

- ``reply+<token>@<reply domain>``: the Reply-To of an email that allows replies (CMP-19). The
  delivery names both ends of the conversation: the message's sender and that recipient.
- ``bounce+<token>@<reply domain>``: the email's return path (MAIL FROM, VERP), so a delivery
  status notification names its delivery and cannot be forged for another one.

The tokens are ids signed for their purpose (domain.support.signed_ids), with its lifetime. Only the
canonical form is read: the lower-case prefix and the token exactly as it was signed. A reply
address of the scheme before expiries is read while its delivery is younger than the reply
lifetime (``issued_at=delivery_made_at(session)``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlmodel import Session

from domain.support.signed_ids import (
    BOUNCE,
    REPLY,
    BadSignedId,
    IssuedAt,
    Purpose,
    SigningKeys,
    read_signed_id,
    signed_id,
)
from models.messaging import Delivery

PREFIX = "reply+"
BOUNCE_PREFIX = "bounce+"
_PREFIXES = {REPLY: PREFIX, BOUNCE: BOUNCE_PREFIX}


def reply_address(delivery_id: int, domain: str, keys: SigningKeys, *, at: float | None = None) -> str:
    return f"{PREFIX}{signed_id(REPLY, delivery_id, keys, at=at)}@{domain}"


def bounce_address(delivery_id: int, domain: str, keys: SigningKeys, *, at: float | None = None) -> str:
    return f"{BOUNCE_PREFIX}{signed_id(BOUNCE, delivery_id, keys, at=at)}@{domain}"


def delivery_made_at(session: Session) -> IssuedAt:
    """When a delivery was made (Unix seconds), to date the legacy links that name it."""
    def made_at(delivery_id: int) -> float | None:
        created = session.execute(select(Delivery.created_at).where(Delivery.id == delivery_id)).scalar()
        if created is None:
            return None
        return (created if created.tzinfo else created.replace(tzinfo=dt.UTC)).timestamp()
    return made_at


def read_address(purpose: Purpose, address: str, keys: SigningKeys, *,
                 issued_at: IssuedAt | None = None) -> int:
    """The delivery a signed address of ``purpose`` names; raises BadSignedId (ExpiredSignedId
    when it was genuine but is too old)."""
    local, at, _domain = address.rpartition("@") if isinstance(address, str) else ("", "", "")
    prefix = _PREFIXES[purpose]
    if not at or not local.startswith(prefix):
        raise BadSignedId("not a signed address")
    return read_signed_id(purpose, local.removeprefix(prefix), keys, issued_at=issued_at)


def delivery_of(address: str, keys: SigningKeys, *, issued_at: IssuedAt | None = None) -> int | None:
    """The delivery a reply address names, or None when it is not a genuine, current one."""
    return _or_none(REPLY, address, keys, issued_at)


def bounced_delivery_of(address: str, keys: SigningKeys) -> int | None:
    """The delivery a bounce address (return path) names, or None when it is not a genuine, current one."""
    return _or_none(BOUNCE, address, keys)


def _or_none(purpose: Purpose, address: str, keys: SigningKeys, issued_at: IssuedAt | None = None) -> int | None:
    try:
        return read_address(purpose, address, keys, issued_at=issued_at)
    except BadSignedId:
        return None
