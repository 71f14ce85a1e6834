"""Web Push subscriptions a signed-in user registers for their own browsers and devices."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.support.errors import FieldProblem, InvalidInput
from domain.access.viewer import Viewer
from models.devices import PushSubscription


def _b64url_length(value: str) -> int | None:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return None


def register(session: Session, viewer: Viewer, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Store a subscription, or refresh the keys of one of the viewer's own; the keys are checked as
    RFC 8291 requires. An endpoint registered to another account stays theirs (CONFLICT, which
    does not say whose): moving it would hand that person's notifications to the caller."""
    problems = []
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        problems.append(FieldProblem(("input", "endpoint"), "INVALID", "The endpoint must be an http(s) URL."))
    if _b64url_length(p256dh) != 65:
        problems.append(FieldProblem(("input", "p256dh"), "INVALID",
                                     "p256dh must be an uncompressed P-256 public key, base64url (65 bytes)."))
    if _b64url_length(auth) != 16:
        problems.append(FieldProblem(("input", "auth"), "INVALID", "auth must be a 16-byte secret, base64url."))
    if problems:
        raise InvalidInput(problems)
    # Insert-if-absent in one statement, then read the owner: two registrations of one endpoint
    # at the same time both end here instead of one failing on the unique key.
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(dialect_insert(PushSubscription).values(
        user_id=viewer.id, endpoint=endpoint, p256dh=p256dh, auth=auth).on_conflict_do_nothing(
        index_elements=["endpoint"]))
    owner = session.execute(select(PushSubscription.user_id).where(PushSubscription.endpoint == endpoint)).scalar_one()
    if owner != viewer.id:
        raise InvalidInput([FieldProblem(("input", "endpoint"), "CONFLICT",
                                         "This endpoint is registered to another account; subscribe again in the "
                                         "browser for an endpoint of your own.")])
    session.execute(update(PushSubscription).where(PushSubscription.endpoint == endpoint)
                    .values(p256dh=p256dh, auth=auth))
    return session.execute(select(PushSubscription).where(PushSubscription.endpoint == endpoint)
                           .execution_options(populate_existing=True)).scalar_one()


def remove(session: Session, viewer: Viewer, endpoint: str) -> bool:
    return bool(session.execute(delete(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == viewer.id)).rowcount)
