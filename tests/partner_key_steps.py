"""What the partner-key tests share: the documents, creating a key as the seeded district
administrator, and reading a key's stored rows."""

from __future__ import annotations

from sqlalchemy import func, select

from helpers import gids, gql, pk_of, token_for
from models.db import session_scope
from models.directory import User, UserSchool
from models.partner_keys import PartnerKey, PartnerKeySchool, PartnerKeySecret

KEY_FIELDS = """id name prefix previousPrefix previousValidUntil scopes schools { id } createdAt
  createdBy { login } expiresAt revokedAt lastUsedAt"""
CREATE = """mutation($input: CreatePartnerKeyInput!) { createPartnerKey(input: $input) {
  __typename
  ... on PartnerKeyIssued { secret key { KEY_FIELDS } }
  ... on CreatePartnerKeyErrors { errors { path field code message } } } }""".replace("KEY_FIELDS", KEY_FIELDS)
ROTATE = """mutation($id: ID!, $grace: Int!) { rotatePartnerKey(id: $id, graceMinutes: $grace) {
  __typename
  ... on PartnerKeyIssued { secret key { KEY_FIELDS } }
  ... on RotatePartnerKeyErrors { errors { path code message } } } }""".replace("KEY_FIELDS", KEY_FIELDS)
REVOKE = """mutation($id: ID!) { revokePartnerKey(id: $id) {
  __typename
  ... on PartnerKeyRevoked { key { KEY_FIELDS } }
  ... on RevokePartnerKeyErrors { errors { path code message } } } }""".replace("KEY_FIELDS", KEY_FIELDS)
LIST = "{ partnerKeys { " + KEY_FIELDS + " } }"
SCHOOLS = "{ schools { nodes { id } } }"


def create_key(client, engine, *, scopes=("DIRECTORY_READ",), school_ids=None, token=None, **fields) -> dict:
    """A key made by the seeded district administrator (or ``token``'s user): its payload."""
    variables = {"input": {"name": fields.pop("name", "SIS sync"), "scopes": list(scopes), **fields}}
    if school_ids is not None:
        variables["input"]["schoolIds"] = gids("School", school_ids)
    body = gql(client, CREATE, variables, token or token_for(engine, "admin"))
    created = body["data"]["createPartnerKey"]
    assert created["__typename"] == "PartnerKeyIssued", body
    return created


def key_rows(engine) -> dict[str, int]:
    """Rows of the three key tables: what a refused request must leave as it was."""
    with session_scope(engine) as session:
        return {table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (PartnerKey, PartnerKeySchool, PartnerKeySecret)}


def last_used(engine, key_id: str):
    """When the key (its global id, as the API shows it) was last used."""
    with session_scope(engine) as session:
        return session.get(PartnerKey, pk_of(key_id)).last_used_at


def school_of(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(UserSchool.school_id).join(User, User.id == UserSchool.user_id)
                               .where(User.login == login)).scalars().first()
