"""Who a person signed in at an OpenID Provider is in Homeroom (issue 16 point 1).

A person is known by (issuer, subject), the pair OpenID Connect promises is stable and never
reassigned. Their first sign-in links that pair to an existing ACTIVE user found through one claim
(``user_claim``): ``email`` matches the user's email and counts only when the provider says it
verified it (and its domain is allowed, when domains are listed); any other claim matches the
user's login, case-blind. An unknown person, an inactive account, an unverified or ambiguous email: refused,
nothing written. A user already linked to someone else at the same issuer is not linked again, so a
recycled email address at the provider does not open the old owner's account.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.support.errors import AuthenticationError
from models.directory import AccountStatus, User
from models.sign_in import SignInIdentity

EMAIL_CLAIM = "email"


@dataclasses.dataclass(frozen=True)
class LinkRule:
    """How one issuer's people are found at their first sign-in (the shell builds it from settings)."""

    issuer: str
    user_claim: str = EMAIL_CLAIM
    allowed_email_domains: Sequence[str] = ()


@dataclasses.dataclass(frozen=True)
class SignedInUser:
    user_id: int
    #: True when this sign-in linked the identity (its first).
    linked: bool = False


def user_for_identity(session: Session, rule: LinkRule, claims: dict) -> SignedInUser:
    """The active user the token's subject is, linking them at their first sign-in; commits a new
    link. Raises AuthenticationError (nothing written) for anyone Homeroom does not know."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise AuthenticationError("the token names no subject")
    linked = _linked_user(session, rule.issuer, subject)
    if linked is not None:
        return SignedInUser(linked)
    user_id = _user_to_link(session, rule, claims)
    try:
        session.execute(insert(SignInIdentity).values(issuer=rule.issuer, subject=subject, user_id=user_id))
        record(session, Actor(user_id=user_id), AuditAction.SIGN_IN_LINKED, object_type="user", object_ids=[user_id])
        session.commit()
    except IntegrityError:  # the same person's first sign-in, twice at once: the other one linked
        session.rollback()
        linked = _linked_user(session, rule.issuer, subject)
        if linked is None:
            raise
        return SignedInUser(linked)
    return SignedInUser(user_id, linked=True)


def _linked_user(session: Session, issuer: str, subject: str) -> int | None:
    row = session.execute(
        select(User.id, User.status).join(SignInIdentity, SignInIdentity.user_id == User.id)
        .where(SignInIdentity.issuer == issuer, SignInIdentity.subject == subject)).first()
    if row is None:
        return None
    if row.status != AccountStatus.ACTIVE:
        raise AuthenticationError("the account behind this sign-in is not active")
    return row.id


def _user_to_link(session: Session, rule: LinkRule, claims: dict) -> int:
    value = claims.get(rule.user_claim)
    if not isinstance(value, str) or not value.strip():
        raise AuthenticationError(f"the token has no {rule.user_claim} claim to find the Homeroom account by")
    if rule.user_claim == EMAIL_CLAIM:
        condition = func.lower(User.email) == _verified_email(rule, claims, value)
    else:  # logins such as a user principal name compare case-blind, as their providers do
        condition = func.lower(User.login) == value.strip().lower()
    rows = session.execute(
        select(User.id, User.status).where(condition).order_by(User.id).limit(3)).all()
    active = [row.id for row in rows if row.status == AccountStatus.ACTIVE]
    if not active:
        if rows:
            raise AuthenticationError("the Homeroom account for this sign-in is not active")
        raise AuthenticationError("no Homeroom account matches this sign-in; ask the district to add you")
    if len(active) > 1:
        raise AuthenticationError("more than one Homeroom account matches this sign-in; ask the district to "
                                  "link yours")
    already = session.execute(select(SignInIdentity.id).where(
        SignInIdentity.user_id == active[0], SignInIdentity.issuer == rule.issuer)).first()
    if already is not None:
        raise AuthenticationError("this Homeroom account is linked to another person at this provider")
    return active[0]


def _verified_email(rule: LinkRule, claims: dict, email: str) -> str:
    # Some providers send the boolean as a string ("true"); anything else is unverified.
    if claims.get("email_verified") not in (True, "true"):
        raise AuthenticationError("the provider has not verified this email address")
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    if rule.allowed_email_domains and domain not in rule.allowed_email_domains:
        raise AuthenticationError("sign-in with this email domain is not allowed")
    return email
