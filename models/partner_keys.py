"""Partner keys (issue 16 point 3): a key acts for the district administrator who created it,
narrowed to its scopes and schools. Its secrets are stored as a public prefix (shown in lists,
used for lookup) and an HMAC-SHA256 of the secret, never the secret itself."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from models.db import utcnow


class PartnerKey(SQLModel, table=True):
    __tablename__ = "partner_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    #: The scopes, space-separated as OAuth spells them (domain.access.scopes.Scope values).
    scopes: str = Field(max_length=200)
    #: The district administrator it acts for; deactivating them stops the key.
    created_by_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    #: Written at most once a minute (a conditional UPDATE), so a busy key costs no write per call.
    last_used_at: dt.datetime | None = None


class PartnerKeySchool(SQLModel, table=True):
    """The schools a key is limited to; a key with none reaches every school of its creator."""

    __tablename__ = "partner_key_school"

    key_id: int = Field(foreign_key="partner_key.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)


class PartnerKeySecret(SQLModel, table=True):
    """One secret of a key: the newest is current; a rotated one keeps working until ``retires_at``."""

    __tablename__ = "partner_key_secret"

    id: int | None = Field(default=None, primary_key=True)
    key_id: int = Field(foreign_key="partner_key.id", index=True)
    prefix: str = Field(max_length=16, unique=True)
    #: HMAC-SHA256 (hex) of the secret under a key derived from the deployment secret ``signing_kid`` names.
    digest: str = Field(max_length=64)
    signing_kid: str = Field(max_length=8)
    created_at: dt.datetime = Field(default_factory=utcnow)
    retires_at: dt.datetime | None = None
