"""Partner keys (issue 16 point 3): created by a district administrator, shown once, stored as a
public prefix and an HMAC of the secret, rotated with a grace period, revoked, and checked on every
request that bears one.

A key reads ``hrk_<prefix>_<secret>``: the prefix (12 hex characters) names the secret's row and is
shown in lists; the secret (32 random bytes, base64url) is kept only as HMAC-SHA256 under a key
derived from the deployment secret for this purpose (domain.support.signed_ids.derived_key), and
compared in constant time. The row records which deployment secret (its kid) hashed it, so keys
keep working while ``HOMEROOM_JWT_SECRET`` rotates; the first use after a rotation hashes the secret
again under the current one.

A key acts as its creator (domain.access.viewer.load_viewer with its KeyGrant), narrowed to its
scopes and schools; a deactivated creator stops it. Key changes are to be audited (issue 16
point 8): the merge adds domain.audit's call where each change below is marked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import delete, insert, or_, select, update
from sqlmodel import Session

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.access.scopes import KeyGrant, Scope
from domain.access.viewer import Viewer
from domain.content.text import INVALID_CHARACTERS, has_control_characters
from domain.support.errors import AuthenticationError, FieldProblem, InvalidInput
from domain.support.signed_ids import SigningKeys, derived_key, key_id
from models.db import utcnow
from models.directory import AccountStatus, User
from models.partner_keys import PartnerKey, PartnerKeySchool, PartnerKeySecret

#: Every partner key starts with this, so the authenticator knows one without a database read.
TOKEN_PREFIX = "hrk_"
PURPOSE = "partner key"
_TOKEN = re.compile(r"hrk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", re.ASCII)
NAME_MAX_LENGTH = 120
#: A rotation keeps the old secret for at most a week: long enough to redeploy a partner's
#: configuration, short enough that a leaked secret does not linger.
MAX_GRACE_MINUTES = 7 * 24 * 60
#: lastUsedAt is written at most this often per key: one conditional UPDATE, no write per call.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)
#: The expiry a credential of a key without one reports. A WebSocket's access watch
#: (homeroom.routes.graphql) still checks the key every minute, so revocation closes it anyway.
NO_EXPIRY_HORIZON = dt.timedelta(days=365)


@dataclasses.dataclass(frozen=True)
class NewPartnerKey:
    name: str
    scopes: tuple[Scope, ...]
    school_ids: tuple[int, ...] | None
    expires_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class IssuedKey:
    """A key and the secret just made for it: the only time the secret is seen."""

    key: PartnerKey
    secret: str


@dataclasses.dataclass(frozen=True)
class KeyListing:
    key: PartnerKey
    creator: User
    school_ids: tuple[int, ...] | None
    prefix: str
    previous_prefix: str | None
    previous_valid_until: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class AuthenticatedKey:
    """What a valid key carries into a request: whom it acts for, its grant, when it stops."""

    user_id: int
    grant: KeyGrant
    expires_at: dt.datetime


def scopes_of(key: PartnerKey) -> tuple[Scope, ...]:
    """The key's scopes; a stored name this version does not know grants nothing."""
    known = {scope.value: scope for scope in Scope}
    return tuple(known[value] for value in key.scopes.split() if value in known)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _digest(secret: str, deployment_secret: bytes) -> str:
    return hmac.new(derived_key(deployment_secret, PURPOSE), secret.encode(), hashlib.sha256).hexdigest()


def _add_secret(session: Session, key_id_: int, keys: SigningKeys) -> str:
    """A new secret row for the key; returns the whole token (prefix and secret)."""
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    session.execute(insert(PartnerKeySecret).values(
        key_id=key_id_, prefix=prefix, digest=_digest(secret, keys.current), signing_kid=key_id(keys.current),
        created_at=utcnow()))
    return f"{TOKEN_PREFIX}{prefix}_{secret}"


def validate_new_key(viewer: Viewer, request: NewPartnerKey, now: dt.datetime) -> list[FieldProblem]:
    """Every problem of a createPartnerKey input; schools are those the creator reaches (another
    answers like a missing one)."""
    problems: list[FieldProblem] = []
    name = request.name.strip()
    if not name:
        problems.append(FieldProblem(("input", "name"), "REQUIRED", "Give the key a name."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(FieldProblem(("input", "name"), "TOO_LONG",
                                     f"The name may be at most {NAME_MAX_LENGTH} characters."))
    elif has_control_characters(name):
        problems.append(FieldProblem(("input", "name"), INVALID_CHARACTERS,
                                     "The name is one line without control characters."))
    if not request.scopes:
        problems.append(FieldProblem(("input", "scopes"), "REQUIRED", "A key needs at least one scope."))
    if request.school_ids is not None:
        if not request.school_ids:
            problems.append(FieldProblem(("input", "schoolIds"), "REQUIRED",
                                         "List at least one school, or leave schoolIds out for all of yours."))
        seen: set[int] = set()
        for index, school_id in enumerate(request.school_ids):
            if school_id in seen:
                problems.append(FieldProblem(("input", "schoolIds", index), "DUPLICATE", "This school is listed twice."))
            elif school_id not in viewer.school_ids:
                problems.append(FieldProblem(("input", "schoolIds", index), "NOT_FOUND", "No school of yours has this id."))
            seen.add(school_id)
    if request.expires_at is not None and _aware(request.expires_at) <= now:
        problems.append(FieldProblem(("input", "expiresAt"), "EXPIRY_IN_THE_PAST", "The expiry must be in the future."))
    return problems


def create_key(session: Session, viewer: Viewer, request: NewPartnerKey, keys: SigningKeys) -> IssuedKey:
    """A new key acting for ``viewer`` (a district administrator; the resolver checks); raises
    InvalidInput with nothing written."""
    now = utcnow()
    problems = validate_new_key(viewer, request, now)
    if problems:
        raise InvalidInput(problems)
    key = PartnerKey(name=request.name.strip(), scopes=" ".join(sorted({s.value for s in request.scopes})),
                     created_by_id=viewer.id, created_at=now,
                     expires_at=_aware(request.expires_at) if request.expires_at else None)
    session.add(key)
    session.flush()
    if request.school_ids:
        session.execute(insert(PartnerKeySchool), [{"key_id": key.id, "school_id": s} for s in request.school_ids])
    token = _add_secret(session, key.id, keys)
    record(session, Actor.of(viewer), AuditAction.PARTNER_KEY_CREATED, object_type="partnerKey", object_ids=[key.id])
    return IssuedKey(key, token)


def _key_for_change(session: Session, key_id_: int) -> PartnerKey:
    key = session.execute(select(PartnerKey).where(PartnerKey.id == key_id_).with_for_update()).scalars().first()
    if key is None:  # a malformed id, or none of the district's keys: answered alike
        raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", "No partner key has this id.")])
    return key


def rotate_key(session: Session, key_id_: int, grace_minutes: int, keys: SigningKeys, *, actor: Actor) -> IssuedKey:
    """A new secret for the key; its current secrets keep working ``grace_minutes`` more (an earlier
    end stays). Raises InvalidInput for an unknown key, a grace out of range or a key that no
    longer works; nothing written."""
    key = _key_for_change(session, key_id_)
    now = utcnow()
    problems = []
    if not 0 <= grace_minutes <= MAX_GRACE_MINUTES:
        problems.append(FieldProblem(("graceMinutes",), "INVALID",
                                     f"The grace period is 0 to {MAX_GRACE_MINUTES} minutes (a week)."))
    if key.revoked_at is not None or (key.expires_at is not None and _aware(key.expires_at) <= now):
        problems.append(FieldProblem(("id",), "INVALID", "A revoked or expired key cannot be rotated."))
    if problems:
        raise InvalidInput(problems)
    grace_end = now + dt.timedelta(minutes=grace_minutes)
    session.execute(delete(PartnerKeySecret).where(PartnerKeySecret.key_id == key.id,
                                                   PartnerKeySecret.retires_at <= now))
    session.execute(update(PartnerKeySecret).where(
        PartnerKeySecret.key_id == key.id,
        or_(PartnerKeySecret.retires_at.is_(None), PartnerKeySecret.retires_at > grace_end)).values(retires_at=grace_end))
    token = _add_secret(session, key.id, keys)
    record(session, actor, AuditAction.PARTNER_KEY_ROTATED, object_type="partnerKey", object_ids=[key.id])
    return IssuedKey(key, token)


def revoke_key(session: Session, key_id_: int, *, actor: Actor) -> PartnerKey:
    """Revoke the key at once (again: nothing changes); raises InvalidInput (NOT_FOUND)."""
    key = _key_for_change(session, key_id_)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        record(session, actor, AuditAction.PARTNER_KEY_REVOKED, object_type="partnerKey", object_ids=[key.id])
    return key


def listed_keys(session: Session, *, key_ids: tuple[int, ...] | None = None) -> list[KeyListing]:
    """Every key of the district (or those of ``key_ids``), newest first, with creator, schools and
    prefixes: three statements whatever the number of keys."""
    query = select(PartnerKey, User).join(User, User.id == PartnerKey.created_by_id).order_by(PartnerKey.id.desc())
    if key_ids is not None:
        query = query.where(PartnerKey.id.in_(key_ids))
    rows = session.execute(query).all()
    ids = [key.id for key, _ in rows]
    schools: dict[int, list[int]] = {}
    for key_id_, school_id in session.execute(select(PartnerKeySchool.key_id, PartnerKeySchool.school_id)
                                              .where(PartnerKeySchool.key_id.in_(ids))
                                              .order_by(PartnerKeySchool.school_id)).all():
        schools.setdefault(key_id_, []).append(school_id)
    secrets_of: dict[int, list[PartnerKeySecret]] = {}
    for secret in session.execute(select(PartnerKeySecret).where(PartnerKeySecret.key_id.in_(ids))
                                  .order_by(PartnerKeySecret.id.desc())).scalars():
        secrets_of.setdefault(secret.key_id, []).append(secret)
    now = utcnow()
    listings = []
    for key, creator in rows:
        current, *older = secrets_of.get(key.id, [])
        still = [s for s in older if s.retires_at is not None and _aware(s.retires_at) > now]
        listings.append(KeyListing(key, creator, tuple(schools[key.id]) if key.id in schools else None, current.prefix,
                                   still[0].prefix if still else None,
                                   _aware(still[0].retires_at) if still else None))
    return listings


def authenticate_key(session: Session, token: str, keys: SigningKeys) -> AuthenticatedKey:
    """The key a bearer token names, if it is genuine, current, unrevoked and unexpired; else an
    AuthenticationError (nothing written). Marks the key used, at most once a minute."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise AuthenticationError("the partner key is not valid")
    prefix, secret = match[1], match[2]
    row = session.execute(select(PartnerKeySecret, PartnerKey, User.status)
                          .join(PartnerKey, PartnerKey.id == PartnerKeySecret.key_id)
                          .join(User, User.id == PartnerKey.created_by_id)
                          .where(PartnerKeySecret.prefix == prefix)).first()
    deployment_secret = keys.by_kid(row[0].signing_kid) if row is not None else None
    if row is None or deployment_secret is None or not hmac.compare_digest(
            _digest(secret, deployment_secret), row[0].digest):
        raise AuthenticationError("the partner key is not valid")
    stored, key, creator_status = row
    now = utcnow()
    if key.revoked_at is not None:
        raise AuthenticationError("the partner key has been revoked")
    if creator_status != AccountStatus.ACTIVE.value:  # load_viewer refuses them too; this writes nothing first
        raise AuthenticationError("the account behind this partner key is not active")
    ends = [_aware(t) for t in (key.expires_at, stored.retires_at) if t is not None]
    if ends and min(ends) <= now:
        raise AuthenticationError("the partner key has expired")
    school_ids = frozenset(session.execute(select(PartnerKeySchool.school_id)
                                           .where(PartnerKeySchool.key_id == key.id)).scalars())
    _mark_used(session, key.id, now)
    if stored.signing_kid != key_id(keys.current):  # hashed under a previous deployment secret
        session.execute(update(PartnerKeySecret).where(PartnerKeySecret.id == stored.id).values(
            digest=_digest(secret, keys.current), signing_kid=key_id(keys.current)))
    session.commit()
    grant = KeyGrant(key_id=key.id, scopes=frozenset(scopes_of(key)), school_ids=school_ids or None)
    return AuthenticatedKey(key.created_by_id, grant, min(ends) if ends else now + NO_EXPIRY_HORIZON)


def _mark_used(session: Session, key_id_: int, now: dt.datetime) -> None:
    """One conditional UPDATE: it writes only when the last mark is a minute old or more."""
    session.execute(update(PartnerKey).where(
        PartnerKey.id == key_id_,
        or_(PartnerKey.last_used_at.is_(None), PartnerKey.last_used_at < now - LAST_USED_GRANULARITY))
        .values(last_used_at=now))
