"""One-click unsubscribe (RFC 8058): signed links per delivery, and what following one does.

A link names the delivery and the address it went to, signed with the deployment's secret, so
it cannot be forged to unsubscribe someone else. Following it records an email opt-out of that
address (honoured by every later resolution and by dispatch) and, for a contact, sets the
contact's "Opt Out of Email Notifications" flag (SYS-10).
"""

from __future__ import annotations

import jwt
from sqlalchemy import update
from sqlmodel import Session

from domain.optouts import normalise_address, record_opt_out
from models.directory import Contact
from models.messaging import Channel, Delivery, RecipientKind

PURPOSE = "unsubscribe"


class BadUnsubscribeLink(Exception):
    pass


def _secret() -> str:
    from homeroom.settings import get_settings

    return get_settings().jwt_secret.get_secret_value()


def unsubscribe_token(delivery_id: int, address: str, secret: str | None = None) -> str:
    claims = {"purpose": PURPOSE, "d": delivery_id, "a": normalise_address(Channel.EMAIL, address)}
    return jwt.encode(claims, secret or _secret(), algorithm="HS256")


def unsubscribe_url(delivery_id: int, address: str) -> str:
    from homeroom.settings import get_settings

    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/unsubscribe/{unsubscribe_token(delivery_id, address)}"


def read_token(token: str, secret: str | None = None) -> tuple[int, str]:
    try:
        claims = jwt.decode(token, secret or _secret(), algorithms=["HS256"])
    except jwt.PyJWTError:
        raise BadUnsubscribeLink("this unsubscribe link is not valid") from None
    if claims.get("purpose") != PURPOSE or not isinstance(claims.get("d"), int) or not claims.get("a"):
        raise BadUnsubscribeLink("this unsubscribe link is not valid")
    return claims["d"], claims["a"]


def unsubscribe(session: Session, token: str) -> str:
    """Apply a one-click unsubscribe; returns the address. Idempotent."""
    delivery_id, address = read_token(token)
    record_opt_out(session, Channel.EMAIL, address, source="one-click unsubscribe")
    delivery = session.get(Delivery, delivery_id)
    if delivery is not None and delivery.recipient_kind == RecipientKind.CONTACT.value:
        session.execute(update(Contact).where(Contact.id == delivery.recipient_id).values(email_opt_out=True))
    return address
