"""The token exchange (issue 16 point 1): POST /auth/token turns a provider's token into a
short-lived Homeroom token and a refresh token; refresh tokens rotate, reuse of a rotated one ends
the sign-in (OAuth 2.0 Security BCP), POST /auth/revoke ends it; errors are RFC 6749 JSON and a
refused request writes nothing."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from sqlalchemy import select

from helpers import make_user, token_for
from models.db import session_scope
from models.directory import Role
from models.sign_in import RefreshToken
from sign_in_steps import sign_in_rows, viewer_login

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"


@pytest.fixture
def signed_in(engine, openid_provider, person):
    """A staff user and the provider's tokens for them: (login, provider token response)."""
    login = f"teacher.{uuid.uuid4().hex[:8]}"
    make_user(engine, Role.TEACHER, login=login)
    return login, openid_provider.sign_in(person(email=f"{login}@staff.example.org"))


def _exchange(client, subject_token: str, token_type: str = ID_TOKEN_TYPE):
    return client.post("/auth/token", data={"grant_type": EXCHANGE, "subject_token": subject_token,
                                            "subject_token_type": token_type})


def _refresh(client, refresh_token: str):
    return client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def _oauth_error(response, error: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error, body
    return body["error_description"]


@pytest.mark.parametrize("token_type", ["id_token", "access_token"])
def test_a_provider_token_is_exchanged_for_a_short_lived_homeroom_token(sign_in_client, engine, signed_in,
                                                                         token_type):
    """Issue 16 point 1: the exchange answers an RFC 8693 response with a Homeroom token of 15
    minutes that reaches `viewer`, and a refresh token stored only as a hash."""
    login, tokens = signed_in
    if token_type == "access_token":  # a JWT access token links nobody: the ID token linked first
        assert _exchange(sign_in_client, tokens["id_token"]).status_code == 200
    response = _exchange(sign_in_client, tokens[token_type], f"urn:ietf:params:oauth:token-type:{token_type}")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 15 * 60
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["iss"] == "homeroom" and claims["exp"] - time.time() <= 15 * 60
    assert viewer_login(sign_in_client, body["access_token"]) == login
    with session_scope(engine) as session:
        stored = session.execute(select(RefreshToken.token_hash)).scalars().all()
    assert body["refresh_token"] not in stored and len(body["refresh_token"]) > 40


def test_refresh_rotates_and_reuse_of_a_rotated_token_ends_the_sign_in(sign_in_client, signed_in):
    """Issue 16 point 1: each refresh gives a new refresh token and the old one stops working;
    presenting a rotated token again revokes the whole family, so the thief's and the owner's
    latest tokens both fail (RFC 9700 §4.14.2)."""
    login, tokens = signed_in
    first = _exchange(sign_in_client, tokens["id_token"]).json()
    second = _refresh(sign_in_client, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert viewer_login(sign_in_client, second["access_token"]) == login
    third = _refresh(sign_in_client, second["refresh_token"]).json()
    assert "already used" in _oauth_error(_refresh(sign_in_client, first["refresh_token"]), "invalid_grant")
    assert "revoked" in _oauth_error(_refresh(sign_in_client, third["refresh_token"]), "invalid_grant")


def test_revoke_ends_the_sign_in(sign_in_client, engine, signed_in):
    """Issue 16 point 1 (RFC 7009): a revoked refresh token, and the family it belongs to, no longer
    refresh; revoking an unknown token answers 200 and changes nothing; a Homeroom access token
    cannot be revoked (unsupported_token_type)."""
    _login, tokens = signed_in
    first = _exchange(sign_in_client, tokens["id_token"]).json()
    second = _refresh(sign_in_client, first["refresh_token"]).json()
    response = sign_in_client.post("/auth/revoke", data={"token": second["refresh_token"]})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert "revoked" in _oauth_error(_refresh(sign_in_client, second["refresh_token"]), "invalid_grant")
    before = sign_in_rows(engine)
    assert sign_in_client.post("/auth/revoke", data={"token": "hrr_" + "x" * 43}).status_code == 200
    _oauth_error(sign_in_client.post("/auth/revoke", data={"token": second["access_token"]}),
                 "unsupported_token_type")
    _oauth_error(sign_in_client.post("/auth/revoke", data={}), "invalid_request")
    assert sign_in_rows(engine) == before


def test_a_refresh_for_an_account_made_inactive_is_refused(sign_in_client, engine, signed_in):
    """Issue 16 point 1: an account deactivated since the sign-in gets no new tokens."""
    from sqlalchemy import update

    from models.directory import AccountStatus, User

    login, tokens = signed_in
    first = _exchange(sign_in_client, tokens["id_token"]).json()
    with session_scope(engine) as session:
        session.execute(update(User).where(User.login == login).values(status=AccountStatus.INACTIVE))
    before = sign_in_rows(engine)
    assert "not active" in _oauth_error(_refresh(sign_in_client, first["refresh_token"]), "invalid_grant")
    assert sign_in_rows(engine) == before


@pytest.mark.parametrize("case", ["no grant type", "unknown grant type", "no subject token", "unknown token type",
                                  "expired subject token", "homeroom token as subject", "untrusted subject",
                                  "unknown refresh token", "json body", "repeated parameter",
                                  "another requested type"])
def test_bad_token_requests_get_rfc_6749_errors_and_write_nothing(sign_in_client, engine, openid_provider,
                                                                 signed_in, case):
    """Issue 16 point 1 "Bad input and denials": each bad request answers an RFC 6749 §5.2 error
    object with status 400 and writes no identity or refresh token."""
    _login, tokens = signed_in
    now = int(time.time())
    expired = openid_provider.sign(openid_provider.claims(sub="someone", iat=now - 7200, exp=now - 3600))
    exchange = {"grant_type": EXCHANGE, "subject_token": tokens["id_token"], "subject_token_type": ID_TOKEN_TYPE}
    request, error = {
        "no grant type": ({"data": {"subject_token": tokens["id_token"]}}, "invalid_request"),
        "unknown grant type": ({"data": {"grant_type": "password"}}, "unsupported_grant_type"),
        "no subject token": ({"data": {**exchange, "subject_token": ""}}, "invalid_request"),
        "unknown token type": ({"data": {**exchange, "subject_token_type": "saml"}}, "invalid_request"),
        "expired subject token": ({"data": {**exchange, "subject_token": expired}}, "invalid_request"),
        "homeroom token as subject": ({"data": {**exchange, "subject_token": token_for(engine, "admin")}},
                                      "invalid_request"),
        "untrusted subject": ({"data": {**exchange, "subject_token": openid_provider.sign(
            openid_provider.claims(iss="https://idp.elsewhere.example", sub="x"))}}, "invalid_request"),
        "unknown refresh token": ({"data": {"grant_type": "refresh_token", "refresh_token": "hrr_nope"}},
                                  "invalid_grant"),
        "json body": ({"json": exchange}, "invalid_request"),
        "repeated parameter": ({"content": "grant_type=refresh_token&refresh_token=a&refresh_token=b",
                                "headers": {"content-type": "application/x-www-form-urlencoded"}}, "invalid_request"),
        "another requested type": ({"data": {**exchange, "requested_token_type":
                                             "urn:ietf:params:oauth:token-type:id_token"}}, "invalid_request"),
    }[case]
    before = sign_in_rows(engine)
    description = _oauth_error(sign_in_client.post("/auth/token", **request), error)
    assert tokens["id_token"] not in description
    assert sign_in_rows(engine) == before


def test_a_sign_in_ends_when_its_lifetime_does(sign_in_client, engine, signed_in):
    """Issue 16 point 1: a refresh token past HOMEROOM_REFRESH_TOKEN_TTL_DAYS from the sign-in is
    refused (rotation keeps the family's end: it never extends it)."""
    import datetime as dt

    from sqlalchemy import update

    from models.directory import User

    login, tokens = signed_in
    first = _exchange(sign_in_client, tokens["id_token"]).json()
    second = _refresh(sign_in_client, first["refresh_token"]).json()
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
        ends = session.execute(select(RefreshToken.expires_at).where(RefreshToken.user_id == user_id)).scalars().all()
        assert len(ends) == 2 and len(set(ends)) == 1 and ends[0] - dt.datetime.now(dt.UTC) > dt.timedelta(days=29)
        session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id)
                        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert "expired" in _oauth_error(_refresh(sign_in_client, second["refresh_token"]), "invalid_grant")
