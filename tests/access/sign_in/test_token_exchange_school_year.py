"""SYS-08 through the token exchange: the tokens of one sign-in (a refresh-token family) share the
session that holds the school year its user works in; a new sign-in starts at the current year; a
provider's own token, used directly, has no session and is refused a year with NO_SIGN_IN_SESSION."""

from __future__ import annotations

import uuid

import jwt
import pytest
from sqlalchemy import select

from helpers import gid, gql, make_user
from models.db import session_scope
from models.directory import Role, SchoolYear
from models.sign_in import RefreshToken

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
SELECT = """mutation($id: ID!) { selectSchoolYear(id: $id) { __typename
  ... on SchoolYearSelected { schoolYear { name isSelected } }
  ... on SelectSchoolYearErrors { errors { field code message } } } }"""
WORKING = "{ viewer { schoolYear { name } } }"


@pytest.fixture
def provider_tokens(engine, openid_provider, person):
    """The provider's tokens for a new staff user."""
    login = f"teacher.{uuid.uuid4().hex[:8]}"
    make_user(engine, Role.TEACHER, login=login)
    return openid_provider.sign_in(person(email=f"{login}@staff.example.org"))


def _exchange(client, id_token: str) -> dict:
    response = client.post("/auth/token", data={"grant_type": EXCHANGE, "subject_token": id_token,
                                                "subject_token_type": ID_TOKEN_TYPE})
    assert response.status_code == 200, response.text
    return response.json()


def _refresh(client, refresh_token: str) -> dict:
    response = client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})
    assert response.status_code == 200, response.text
    return response.json()


def _years(engine) -> tuple[str, str]:
    """(prior, current) years' global ids: the seeded district's."""
    with session_scope(engine) as session:
        rows = session.execute(select(SchoolYear).order_by(SchoolYear.start_date)).scalars().all()
    current = next(year for year in rows if year.is_current)
    prior = next(year for year in rows if year.end_date < current.start_date)
    return gid("SchoolYear", prior.id), gid("SchoolYear", current.id)


def _working(client, token: str) -> str:
    body = gql(client, WORKING, token=token)
    assert "errors" not in body, body
    return body["data"]["viewer"]["schoolYear"]["name"]


def test_sys_08_a_sign_in_keeps_its_year_across_refreshes_and_a_new_one_starts_current(
        sign_in_client, engine, provider_tokens):
    """Covers SYS-08: the access token's sid is its refresh-token family; a year selected with it
    holds for the token the refresh gives, and the same person's next sign-in (a new exchange)
    works in the current year."""
    prior, _current = _years(engine)
    first = _exchange(sign_in_client, provider_tokens["id_token"])
    sid = jwt.decode(first["access_token"], options={"verify_signature": False})["sid"]
    with session_scope(engine) as session:
        families = set(session.execute(select(RefreshToken.family_id)).scalars())
    assert sid in families
    chosen = gql(sign_in_client, SELECT, {"id": prior}, first["access_token"])["data"]["selectSchoolYear"]
    assert chosen == {"__typename": "SchoolYearSelected", "schoolYear": {"name": "2025-2026", "isSelected": True}}
    refreshed = _refresh(sign_in_client, first["refresh_token"])
    assert jwt.decode(refreshed["access_token"], options={"verify_signature": False})["sid"] == sid
    assert _working(sign_in_client, refreshed["access_token"]) == "2025-2026"
    again = _exchange(sign_in_client, provider_tokens["id_token"])
    assert _working(sign_in_client, again["access_token"]) == "2026-2027"


def test_sys_08_a_provider_token_used_directly_has_no_session(sign_in_client, engine, provider_tokens):
    """Covers SYS-08: a provider's ID token sent as the bearer works in the current year and is
    refused selectSchoolYear with NO_SIGN_IN_SESSION."""
    prior, _current = _years(engine)
    direct = provider_tokens["id_token"]
    body = gql(sign_in_client, SELECT, {"id": prior}, direct)["data"]["selectSchoolYear"]
    assert body["__typename"] == "SelectSchoolYearErrors"
    assert [(error["field"], error["code"]) for error in body["errors"]] == [("", "NO_SIGN_IN_SESSION")]
    assert "token exchange" in body["errors"][0]["message"]
    assert _working(sign_in_client, direct) == "2026-2027"
