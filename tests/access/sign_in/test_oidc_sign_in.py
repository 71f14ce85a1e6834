"""Sign-in through OpenID Connect with a real provider (issue 16 point 1): tokens the test provider
issues reach Homeroom's schema (PERM-06: a signed-in user is who the schema authorizes), refused
tokens get UNAUTHENTICATED and write nothing, people are linked by (issuer, subject)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, update
from starlette.websockets import WebSocketDisconnect

from helpers import make_user
from models.db import session_scope
from models.directory import AccountStatus, Role, User
from models.sign_in import SignInIdentity
from peers.openid_provider import AUDIENCE, CLIENT_ID, SigningKey
from sign_in_steps import VIEWER, refusal, sign_in_rows, viewer_login


def _staff(engine, role: Role = Role.TEACHER) -> tuple[str, str]:
    """A fresh active staff user: (login, email)."""
    login = f"{role.value.lower()}.{uuid.uuid4().hex[:8]}"
    make_user(engine, role, login=login)
    return login, f"{login}@staff.example.org"


def _identity(engine, issuer: str, subject: str) -> int | None:
    with session_scope(engine) as session:
        return session.execute(select(SignInIdentity.user_id).where(
            SignInIdentity.issuer == issuer, SignInIdentity.subject == subject)).scalar_one_or_none()


def _user_id(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def test_a_user_signed_in_at_the_provider_queries_viewer_with_its_tokens(sign_in_client, engine, openid_provider,
                                                                          person):
    """Issue 16 point 1 (acceptance), PERM-06: a real authorization-code sign-in at the provider;
    its ID token and its JWT access token (aud: the API) both reach `viewer`; the first sign-in
    linked (issuer, subject) to the user."""
    login, email = _staff(engine, Role.ADMIN)
    subject = person(email=email)
    tokens = openid_provider.sign_in(subject)
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["aud"] == AUDIENCE
    assert viewer_login(sign_in_client, tokens["id_token"]) == login
    assert _identity(engine, openid_provider.issuer, subject) == _user_id(engine, login)
    assert viewer_login(sign_in_client, tokens["access_token"]) == login


def test_the_session_app_trusts_no_provider(client, engine, openid_provider, person):
    """Issue 16 point 1: with HOMEROOM_OIDC_ISSUERS empty a provider's token is refused as untrusted."""
    _login, email = _staff(engine)
    tokens = openid_provider.sign_in(person(email=email))
    assert "not trusted" in refusal(client, tokens["id_token"])


@pytest.mark.parametrize("case", ["untrusted issuer", "wrong audience", "expired", "not yet valid",
                                  "issued in the future", "unknown kid", "alg none", "HS256 with the public key",
                                  "no subject", "bad signature"])
def test_refused_tokens_are_unauthenticated_and_write_nothing(sign_in_client, engine, openid_provider, case):
    """Issue 16 point 1 "Bad input and denials": an untrusted issuer, a wrong audience, an expired or
    future token, an unknown kid the JWKS does not hold, alg none or HMAC, a missing subject or a
    forged signature: UNAUTHENTICATED with extensions.code, and no identity is linked although the
    token names an active user by verified email."""
    _login, email = _staff(engine)
    subject = "refused-" + uuid.uuid4().hex[:8]
    now = int(time.time())
    claims = openid_provider.claims(sub=subject, email=email, email_verified=True)
    sign = openid_provider.sign
    token = {
        "untrusted issuer": lambda: sign({**claims, "iss": "https://idp.attacker.example"}),
        "wrong audience": lambda: sign({**claims, "aud": "another-client"}),
        "expired": lambda: sign({**claims, "iat": now - 7200, "exp": now - 3600}),
        "not yet valid": lambda: sign({**claims, "nbf": now + 3600}),
        "issued in the future": lambda: sign({**claims, "iat": now + 3600, "exp": now + 7200}),
        "unknown kid": lambda: sign(claims, key=SigningKey()),
        "alg none": lambda: jwt.encode(claims, None, algorithm="none", headers={"kid": openid_provider.keys[0].kid}),
        "HS256 with the public key": lambda: _hmac_with_public_key(openid_provider, claims),
        "no subject": lambda: sign({key: value for key, value in claims.items() if key != "sub"}),
        "bad signature": lambda: _flip_signature(sign(claims)),
    }[case]()
    before = sign_in_rows(engine)
    message = refusal(sign_in_client, token)
    assert email not in message and token not in message
    expected = {"untrusted issuer": "not trusted", "wrong audience": "audience", "expired": "expired",
                "not yet valid": "not valid yet", "unknown kid": "does not publish", "no subject": "sub"}
    assert expected.get(case, "") in message
    assert sign_in_rows(engine) == before


def _flip_signature(token: str) -> str:
    """The same header and claims with one byte of the signature changed."""
    head, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 1
    return f"{head}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def _hmac_with_public_key(provider, claims) -> str:
    """The classic confusion attack: HS256 keyed with the provider's public key bytes (made by hand,
    since PyJWT itself refuses to use a PEM public key as an HMAC secret)."""
    public = provider.keys[0].private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def part(data) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'kid': provider.keys[0].kid})}.{part(claims)}"
    mac = hmac.digest(public, signing_input.encode(), hashlib.sha256)
    return signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_a_linked_person_stays_linked_by_subject_when_their_email_changes(sign_in_client, engine, openid_provider,
                                                                          person):
    """Issue 16 point 1: the first sign-in links by verified email; later ones find the person by
    (issuer, subject) even after the provider's email changes."""
    login, email = _staff(engine)
    subject = person(email=email)
    assert viewer_login(sign_in_client, openid_provider.sign_in(subject)["id_token"]) == login
    openid_provider.add_accounts({subject: {"email": "renamed@staff.example.org", "email_verified": True}})
    before = sign_in_rows(engine)
    assert viewer_login(sign_in_client, openid_provider.sign_in(subject)["id_token"]) == login
    assert sign_in_rows(engine) == before


@pytest.mark.parametrize("case", ["unknown person", "unverified email", "domain not allowed", "inactive user",
                                  "email of two accounts", "account linked to someone else"])
def test_people_homeroom_cannot_link_are_refused(sign_in_client, engine, openid_provider, person, case):
    """Issue 16 point 1: a first sign-in links only a verified email (of an allowed domain) to exactly
    one ACTIVE user not yet linked to someone else at this issuer; otherwise UNAUTHENTICATED, nothing written."""
    from factories import add_user

    login, email = _staff(engine)
    claims = {"email": email}
    if case == "unknown person":
        claims = {"email": f"nobody.{uuid.uuid4().hex[:8]}@staff.example.org"}
    elif case == "unverified email":
        claims["email_verified"] = False
    elif case == "domain not allowed":
        claims = {"email": f"parent.{uuid.uuid4().hex[:8]}@families.example.org"}
        add_user(engine, "PARENT", email=claims["email"])
    elif case == "inactive user":
        with session_scope(engine) as session:
            session.execute(update(User).where(User.login == login).values(status=AccountStatus.INACTIVE))
    elif case == "email of two accounts":
        add_user(engine, "TEACHER", email=email.upper())
    elif case == "account linked to someone else":
        assert viewer_login(sign_in_client, openid_provider.sign_in(person(email=email))["id_token"]) == login
    subject = person(**claims)
    token = openid_provider.sign_in(subject)["id_token"]
    before = sign_in_rows(engine)
    message = refusal(sign_in_client, token)
    assert claims["email"] not in message
    assert sign_in_rows(engine) == before
    assert _identity(engine, openid_provider.issuer, subject) is None


def test_a_linked_user_made_inactive_is_refused(sign_in_client, engine, openid_provider, person):
    """Issue 16 point 1: an account deactivated after linking no longer signs in."""
    login, email = _staff(engine)
    subject = person(email=email)
    assert viewer_login(sign_in_client, openid_provider.sign_in(subject)["id_token"]) == login
    with session_scope(engine) as session:
        session.execute(update(User).where(User.login == login).values(status=AccountStatus.INACTIVE))
    assert "not active" in refusal(sign_in_client, openid_provider.sign_in(subject)["id_token"])


def test_key_rotation_at_the_provider_is_followed(sign_in_client, engine, openid_provider, person):
    """Issue 16 point 1: the provider rotates its keys; a token naming the new kid makes Homeroom
    refetch the JWKS and is accepted, and a token of the retired key is refused."""
    login, email = _staff(engine)
    subject = person(email=email)
    assert viewer_login(sign_in_client, openid_provider.sign_in(subject)["id_token"]) == login
    retired = openid_provider.keys[0]
    fetched = openid_provider.stats()["jwks"]
    new = openid_provider.rotate_keys()
    tokens = openid_provider.sign_in(subject)
    assert jwt.get_unverified_header(tokens["id_token"])["kid"] == new.kid != retired.kid
    assert viewer_login(sign_in_client, tokens["id_token"]) == login
    assert openid_provider.stats()["jwks"] > fetched
    old = openid_provider.sign(openid_provider.claims(sub=subject), key=retired)
    assert "does not publish" in refusal(sign_in_client, old)


def test_made_up_kids_refetch_the_jwks_at_most_once_per_interval(engine, openid_provider):
    """Issue 16 point 1: a flood of tokens with unknown kids cannot hammer the provider: the JWKS is
    refetched at most once per HOMEROOM_OIDC_JWKS_MIN_REFRESH_SECONDS."""
    from domain.support.errors import AuthenticationError
    from homeroom.settings import TrustedIssuer
    from homeroom.sign_in.provider_keys import ProviderKeys
    from homeroom.sign_in.verifier import OidcVerifier, TrustedProvider

    with httpx.Client(timeout=5) as http:
        keys = ProviderKeys(openid_provider.issuer, http=http, cache_seconds=3600, min_refresh_seconds=60)
        verifier = OidcVerifier([TrustedProvider(TrustedIssuer(issuer=openid_provider.issuer, audience=CLIENT_ID),
                                                 keys)], engine, leeway_seconds=30)
        before = openid_provider.stats()["jwks"]
        for _ in range(25):
            with pytest.raises(AuthenticationError, match="does not publish"):
                verifier.verify(openid_provider.sign(openid_provider.claims(sub="flood"), key=SigningKey()))
        assert openid_provider.stats()["jwks"] - before == 1  # the first fetch; the bogus kids fetched nothing


def test_a_websocket_signs_in_with_a_provider_token(sign_in_client, engine, openid_provider, person):
    """Issue 16 point 1: a provider token in connection_init is accepted; a refused one closes 4403."""
    login, email = _staff(engine)
    token = openid_provider.sign_in(person(email=email))["id_token"]
    with sign_in_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        assert ws.receive_json()["payload"]["data"]["viewer"]["login"] == login
    expired = openid_provider.sign(openid_provider.claims(sub="x", iat=int(time.time()) - 7200,
                                                          exp=int(time.time()) - 3600))
    with sign_in_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {expired}"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_a_signed_in_user_is_authorized_by_their_profiles(sign_in_client, engine, openid_provider, person):
    """PERM-06 for signed-in users (issue 16 point 1): a person signed in through the provider
    without "Communication" (View) gets FORBIDDEN from a Communication query; with it, the answer."""
    from domain.access.permissions import Perm
    from helpers import gql

    for perms, allowed in (([], False), ([Perm.COMMUNICATION], True)):
        login = f"teacher.{uuid.uuid4().hex[:8]}"
        make_user(engine, Role.TEACHER, perms=perms, login=login)
        token = openid_provider.sign_in(person(email=f"{login}@staff.example.org"))["id_token"]
        body = gql(sign_in_client, "{ schools { nodes { name } } }", token=token)
        if allowed:
            assert "errors" not in body and body["data"]["schools"]["nodes"]
        else:
            assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
