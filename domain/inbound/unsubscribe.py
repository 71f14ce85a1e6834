"""One-click unsubscribe (RFC 8058): signed links per delivery, and what following one does.

A link names a delivery, signed for this purpose (domain.support.signed_ids: 128-bit HMAC, one year's
lifetime so one-click still works from old mail), so it cannot be forged to unsubscribe someone
else; the address comes from the ledger. Following it
records an email opt-out of that address (honoured by every later resolution and by dispatch)
and, for a contact, sets the contact's "Opt Out of Email Notifications" flag (SYS-10).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from domain.inbound.optouts import record_opt_out
from domain.inbound.reply_tokens import delivery_made_at
from domain.support.signed_ids import UNSUBSCRIBE, BadSignedId, ExpiredSignedId, SigningKeys, read_signed_id, signed_id
from models.directory import Contact
from models.messaging import Channel, Delivery, RecipientKind

PURPOSE = UNSUBSCRIBE
NOT_VALID = "this unsubscribe link is not valid"


class BadUnsubscribeLink(Exception):
    pass


def unsubscribe_url(delivery_id: int, base_url: str, keys: SigningKeys) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{signed_id(PURPOSE, delivery_id, keys)}"


def delivery_of(token: str, keys: SigningKeys, session: Session | None = None) -> int:
    """The delivery a link names; links of the scheme before expiries are dated by their delivery
    when a session is given (domain.support.signed_ids)."""
    try:
        return read_signed_id(PURPOSE, token, keys, issued_at=delivery_made_at(session) if session else None)
    except ExpiredSignedId:
        raise BadUnsubscribeLink("this unsubscribe link has expired; use the link in a recent email") from None
    except BadSignedId:
        raise BadUnsubscribeLink(NOT_VALID) from None


def _email_delivery(session: Session, token: str, keys: SigningKeys) -> Delivery:
    delivery = session.get(Delivery, delivery_of(token, keys, session))
    if delivery is None or delivery.channel != Channel.EMAIL.value or not delivery.address:
        raise BadUnsubscribeLink(NOT_VALID)
    return delivery


def address_of(session: Session, token: str, keys: SigningKeys) -> str:
    return _email_delivery(session, token, keys).address


def unsubscribe(session: Session, token: str, keys: SigningKeys) -> str:
    """Apply a one-click unsubscribe; returns the address. Idempotent."""
    delivery = _email_delivery(session, token, keys)
    record_opt_out(session, Channel.EMAIL, delivery.address, source="one-click unsubscribe")
    if delivery.recipient_kind == RecipientKind.CONTACT.value:
        session.execute(update(Contact).where(Contact.id == delivery.recipient_id).values(email_opt_out=True))
    return delivery.address
