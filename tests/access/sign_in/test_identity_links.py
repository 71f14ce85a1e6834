"""Linking by a claim other than email (issue 16 point 1): ``user_claim`` such as
``preferred_username`` (Entra's user principal name) finds the account by login, case-blind."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session

from domain.access.identities import LinkRule, user_for_identity
from domain.audit.actions import AuditAction
from domain.support.errors import AuthenticationError
from factories import add_user
from models.audit import AuditLog
from sign_in_steps import sign_in_rows

RULE = LinkRule("https://login.microsoftonline.com/tenant/v2.0", "preferred_username")


def test_a_login_claim_links_case_blind_and_then_the_subject_finds_the_user(engine):
    """Issue 16 point 1: the first sign-in links by login; the next is found by (issuer, subject).
    Issue 16 point 8: the link is audited once, in its own transaction, naming the user and no claim."""
    login = f"Ada.{uuid.uuid4().hex[:8]}@District.example.org"
    user_id = add_user(engine, "TEACHER", login=login)
    subject = uuid.uuid4().hex
    with Session(engine) as session:
        first = user_for_identity(session, RULE, {"sub": subject, "preferred_username": login.lower()})
        again = user_for_identity(session, RULE, {"sub": subject, "preferred_username": "renamed@x.org"})
    assert (first.user_id, first.linked) == (user_id, True)
    assert (again.user_id, again.linked) == (user_id, False)
    with Session(engine) as session:
        audited = session.execute(select(AuditLog).where(AuditLog.action == AuditAction.SIGN_IN_LINKED.value,
                                                         AuditLog.actor_user_id == user_id)).scalars().all()
    assert [(row.object_type, row.object_ids) for row in audited] == [("user", [user_id])]


@pytest.mark.parametrize("claims", [{"preferred_username": "someone"}, {"sub": "x"}, {"sub": "x", "preferred_username": 7},
                                    {"sub": "x", "preferred_username": "nobody.at.all"}])
def test_a_token_without_the_claims_links_nobody(engine, claims):
    """Issue 16 point 1: no subject, no (or a non-string) user claim, or no matching login: refused,
    nothing written."""
    before = sign_in_rows(engine)
    with Session(engine) as session, pytest.raises(AuthenticationError):
        user_for_identity(session, RULE, claims)
    assert sign_in_rows(engine) == before
