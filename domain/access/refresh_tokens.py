"""Refresh tokens of the token exchange (issue 16 point 1): issued beside a short-lived Homeroom
token, rotated on every use, revocable.

Only an HMAC-SHA256 of a token is stored, under a key derived from the deployment's secret for this
purpose (domain.support.signed_ids.derived_key), so a copy of the table signs nobody in; after the
secret rotates, tokens hashed under a previous secret are still found. The tokens one sign-in
begins form a family that ends when the sign-in's lifetime does (an absolute lifetime: a person
disabled at the provider is out within it). Presenting a token that was already rotated is taken as
theft: the whole family is revoked (OAuth 2.0 Security BCP, RFC 9700 §4.14.2), which is the only
write a refused refresh makes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from domain.support.signed_ids import SigningKeys, derived_key
from models.db import utcnow
from models.directory import AccountStatus, User
from models.sign_in import RefreshToken, SignInSession

PURPOSE = "refresh token"
#: Refresh tokens read as what they are in logs and secret scanners.
PREFIX = "hrr_"


class InvalidGrant(Exception):
    """The refresh token is not one Homeroom will exchange (RFC 6749 ``invalid_grant``)."""


@dataclasses.dataclass(frozen=True)
class Refreshed:
    user_id: int
    login: str
    refresh_token: str
    #: The sign-in the token belongs to: its Homeroom tokens' ``sid`` (homeroom.auth).
    family_id: str


def issue(session: Session, *, user_id: int, keys: SigningKeys, lifetime: dt.timedelta,
          family_id: str | None = None) -> str:
    """A new refresh token beginning a family (``family_id``, else a fresh one); the caller
    commits. The user's expired tokens go (nothing can use them any more), so the table holds only
    live sign-ins; so do the school years chosen in sessions older than a sign-in can last."""
    now = utcnow()
    session.execute(delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at <= now))
    session.execute(delete(SignInSession).where(SignInSession.user_id == user_id,
                                                SignInSession.selected_at <= now - lifetime))
    return _insert(session, user_id=user_id, keys=keys, family_id=family_id or uuid.uuid4().hex,
                   expires_at=now + lifetime)


def rotate(session: Session, *, token: str, keys: SigningKeys) -> Refreshed:
    """Exchange a refresh token for its successor (same family and end); commits. Raises InvalidGrant;
    reuse of a rotated token revokes its family first."""
    row = _find(session, token, keys)
    if row is None:
        raise InvalidGrant("the refresh token is not valid")
    now = utcnow()
    if row.revoked_at is not None:
        raise InvalidGrant("the refresh token has been revoked")
    if row.rotated_at is not None:
        _revoke_family(session, row.family_id, now)
        raise InvalidGrant("the refresh token was already used; this sign-in has been ended, sign in again")
    if row.expires_at <= now:
        raise InvalidGrant("the refresh token has expired; sign in again")
    user = session.execute(select(User.login, User.status).where(User.id == row.user_id)).one()
    if user.status != AccountStatus.ACTIVE:
        raise InvalidGrant("the account is not active")
    claimed = session.execute(update(RefreshToken).where(
        RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None), RefreshToken.revoked_at.is_(None),
    ).values(rotated_at=now))
    if claimed.rowcount != 1:  # another request rotated it a moment ago: the same token used twice
        session.rollback()
        _revoke_family(session, row.family_id, now)
        raise InvalidGrant("the refresh token was already used; this sign-in has been ended, sign in again")
    successor = _insert(session, user_id=row.user_id, keys=keys, family_id=row.family_id,
                        expires_at=row.expires_at)
    session.commit()
    return Refreshed(row.user_id, user.login, successor, row.family_id)


def revoke(session: Session, *, token: str, keys: SigningKeys) -> bool:
    """End the sign-in a refresh token belongs to (RFC 7009); commits. An unknown token changes
    nothing (False)."""
    row = _find(session, token, keys)
    if row is not None:
        _revoke_family(session, row.family_id, utcnow())
    return row is not None


def _insert(session: Session, *, user_id: int, keys: SigningKeys, family_id: str, expires_at: dt.datetime) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    session.execute(insert(RefreshToken).values(
        token_hash=_hash(token, keys.current), family_id=family_id, user_id=user_id, expires_at=expires_at))
    return token


def _find(session: Session, token: str, keys: SigningKeys):
    if not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > 200:
        return None
    hashes = [_hash(token, secret) for secret in (keys.current, *keys.previous)]
    return session.execute(
        select(RefreshToken.id, RefreshToken.family_id, RefreshToken.user_id, RefreshToken.expires_at,
               RefreshToken.rotated_at, RefreshToken.revoked_at)
        .where(RefreshToken.token_hash.in_(hashes))).first()


def _revoke_family(session: Session, family_id: str, now: dt.datetime) -> None:
    session.execute(update(RefreshToken).where(
        RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None)).values(revoked_at=now))
    session.commit()


def _hash(token: str, secret: bytes) -> str:
    return hmac.new(derived_key(secret, PURPOSE), token.encode(), hashlib.sha256).hexdigest()
