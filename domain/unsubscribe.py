"""One-click unsubscribe (RFC 8058): signed links per delivery, and what following one does.

A link names a delivery, with an HMAC (the deployment's secret, 128 bits) over its id, so it
cannot be forged to unsubscribe someone else; the address comes from the ledger. Following it
records an email opt-out of that address (honoured by every later resolution and by dispatch)
and, for a contact, sets the contact's "Opt Out of Email Notifications" flag (SYS-10).
"""

from __future__ import annotations

import base64
import hmac
import re

from sqlalchemy import update
from sqlmodel import Session

from domain.optouts import record_opt_out
from models.directory import Contact
from models.messaging import Channel, Delivery, RecipientKind

_TOKEN = re.compile(r"^(\d+)\.([A-Za-z0-9_-]{22})$")


class BadUnsubscribeLink(Exception):
    pass


def _secret() -> bytes:
    from homeroom.settings import get_settings

    return get_settings().jwt_secret.get_secret_value().encode()


def _mac(delivery_id: int, secret: bytes) -> str:
    digest = hmac.digest(secret, f"unsubscribe:{delivery_id}".encode(), "sha256")[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def unsubscribe_token(delivery_id: int, secret: bytes | None = None) -> str:
    return f"{delivery_id}.{_mac(delivery_id, secret or _secret())}"


def unsubscribe_url(delivery_id: int, base_url: str, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{delivery_id}.{_mac(delivery_id, secret)}"


def delivery_of(token: str, secret: bytes | None = None) -> int:
    match = _TOKEN.match(token)
    if match is None or not hmac.compare_digest(_mac(int(match.group(1)), secret or _secret()), match.group(2)):
        raise BadUnsubscribeLink("this unsubscribe link is not valid")
    return int(match.group(1))


def address_of(session: Session, token: str) -> str:
    delivery = session.get(Delivery, delivery_of(token))
    if delivery is None or delivery.channel != Channel.EMAIL.value or not delivery.address:
        raise BadUnsubscribeLink("this unsubscribe link is not valid")
    return delivery.address


def unsubscribe(session: Session, token: str) -> str:
    """Apply a one-click unsubscribe; returns the address. Idempotent."""
    delivery = session.get(Delivery, delivery_of(token))
    if delivery is None or delivery.channel != Channel.EMAIL.value or not delivery.address:
        raise BadUnsubscribeLink("this unsubscribe link is not valid")
    record_opt_out(session, Channel.EMAIL, delivery.address, source="one-click unsubscribe")
    if delivery.recipient_kind == RecipientKind.CONTACT.value:
        session.execute(update(Contact).where(Contact.id == delivery.recipient_id).values(email_opt_out=True))
    return delivery.address
