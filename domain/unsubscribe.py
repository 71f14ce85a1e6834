"""One-click unsubscribe (RFC 8058): signed links per delivery, and what following one does.

A link names a delivery, with an HMAC (the deployment's secret, 128 bits) over its id, so it
cannot be forged to unsubscribe someone else; the address comes from the ledger. Following it
records an email opt-out of that address (honoured by every later resolution and by dispatch)
and, for a contact, sets the contact's "Opt Out of Email Notifications" flag (SYS-10).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from domain.optouts import record_opt_out
from domain.signed_ids import deployment_secret, signed_id, verified_id
from models.directory import Contact
from models.messaging import Channel, Delivery, RecipientKind

PURPOSE = "unsubscribe"


class BadUnsubscribeLink(Exception):
    pass


def unsubscribe_token(delivery_id: int, secret: bytes | None = None) -> str:
    return signed_id(PURPOSE, delivery_id, secret or deployment_secret())


def unsubscribe_url(delivery_id: int, base_url: str, secret: bytes) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{signed_id(PURPOSE, delivery_id, secret)}"


def delivery_of(token: str, secret: bytes | None = None) -> int:
    delivery_id = verified_id(PURPOSE, token, secret or deployment_secret())
    if delivery_id is None:
        raise BadUnsubscribeLink("this unsubscribe link is not valid")
    return delivery_id


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
