"""OpenID Connect identities and refresh tokens (issue 16 point 1).

An identity links a provider's (issuer, subject) to one user: the pair OpenID Connect promises is
stable and never reassigned, unlike an email address. A refresh token is stored only as an
HMAC-SHA256 of its text; the tokens one sign-in begins share a family, so reuse of a rotated token
can end them all (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). A sign-in's session remembers the
school year its user chose to work in (SYS-08, CMP-33).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import utcnow


class SignInIdentity(SQLModel, table=True):
    """A person at a trusted OpenID Provider, linked to the Homeroom user they sign in as."""

    __tablename__ = "sign_in_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sign_in_identity_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    linked_at: dt.datetime = Field(default_factory=utcnow)


class RefreshToken(SQLModel, table=True):
    """One refresh token of the token exchange: its hash, its family, and when it stopped working."""

    __tablename__ = "refresh_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: str = Field(max_length=32, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    #: Set when the token was exchanged for its successor: presenting it again is reuse.
    rotated_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class SignInSession(SQLModel, table=True):
    """The school year one sign-in works in, once its user chose one; a sign-in without a row works
    in the district's current year. ``sid`` is the ``sid`` claim of the sign-in's Homeroom tokens:
    the refresh-token family of a token exchange, or a fresh id per minted token."""

    __tablename__ = "sign_in_session"

    sid: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    school_year_id: int = Field(foreign_key="school_year.id")
    selected_at: dt.datetime = Field(default_factory=utcnow)
