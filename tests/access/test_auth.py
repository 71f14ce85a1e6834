"""Bearer JWT on HTTP and on the WebSocket connection_init payload; `homeroom token`."""

from __future__ import annotations

import os
import subprocess
import sys

import jwt
import pytest
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from helpers import gql, token_for
from homeroom.auth import mint_token, user_id_from_token
from homeroom.settings import get_settings
from models.db import session_scope
from models.directory import User

VIEWER = "{ viewer { login role } }"


def _claims(engine, login):
    return jwt.decode(token_for(engine, login), options={"verify_signature": False})


@pytest.mark.parametrize("case", ["missing", "expired", "forged", "garbage", "wrong scheme"])
def test_bad_tokens_get_unauthenticated_and_nothing_else(client, engine, case):
    claims = _claims(engine, "admin")
    secret = get_settings().jwt_secret.get_secret_value()
    headers = {}
    if case == "expired":
        with session_scope(engine) as session:
            admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        headers["Authorization"] = "Bearer " + mint_token(get_settings(), user_id=admin.id, login="admin",
                                                          ttl_minutes=-1)
    elif case == "forged":
        headers["Authorization"] = "Bearer " + jwt.encode(claims, "not-the-secret", algorithm="HS256")
    elif case == "garbage":
        headers["Authorization"] = "Bearer abc.def.ghi"
    elif case == "wrong scheme":
        headers["Authorization"] = "Basic " + token_for(engine, "admin")
    response = client.post("/graphql", json={"query": VIEWER}, headers=headers)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert secret not in response.text and "Traceback" not in response.text


def test_valid_token_reaches_viewer(client, engine):
    body = gql(client, VIEWER, token=token_for(engine, "admin"))
    assert body["data"]["viewer"] == {"login": "admin", "role": "ADMIN"}


def test_token_of_inactive_user_is_refused(client, engine, db):
    """An inactive account's token no longer works."""
    user = db.execute(select(User).where(User.status == "INACTIVE")).scalars().first()
    assert user is not None
    token = mint_token(get_settings(), user_id=user.id, login=user.login)
    body = gql(client, VIEWER, token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_homeroom_token_command_prints_a_token_for_the_login(engine):
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "token", "--user", "admin"],
                            capture_output=True, text=True, env=os.environ.copy(), timeout=60)
    assert result.returncode == 0, result.stderr
    user_id = user_id_from_token(get_settings(), result.stdout.strip())
    with engine.connect() as connection:
        login = connection.execute(select(User.login).where(User.id == user_id)).scalar_one()
    assert login == "admin"
    missing = subprocess.run([sys.executable, "-m", "homeroom.cli", "token", "--user", "nobody.here"],
                             capture_output=True, text=True, env=os.environ.copy(), timeout=60)
    assert missing.returncode == 1 and "no user with login 'nobody.here'" in missing.stderr


def test_websocket_connection_init_carries_the_token(client, engine):
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer " + token_for(engine, "admin")}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        message = ws.receive_json()
        assert message["type"] == "next" and message["payload"]["data"]["viewer"]["login"] == "admin"


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer forged.token.value"}])
def test_websocket_without_valid_token_is_closed_4403(client, payload):
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_tokens_name_their_key_and_are_signed_with_a_key_of_their_own(client, engine):
    """Issue 13 point 3: a token's header names the secret's key id (kid), and its HMAC key is
    derived from the secret for tokens: the same claims signed with the raw secret, or naming a
    key id that is not ours, are refused."""
    token = token_for(engine, "admin")
    header = jwt.get_unverified_header(token)
    assert isinstance(header.get("kid"), str) and header["kid"]
    claims = _claims(engine, "admin")
    secret = get_settings().jwt_secret.get_secret_value()
    for forged in (jwt.encode(claims, secret, algorithm="HS256", headers={"kid": header["kid"]}),
                   jwt.encode(claims, secret, algorithm="HS256"),
                   jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "nope"})):
        body = gql(client, VIEWER, token=forged)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert gql(client, VIEWER, token=token)["data"]["viewer"]["login"] == "admin"


def test_a_rotated_secret_keeps_its_tokens_and_links_working_while_listed(client, engine):
    """Issue 13 point 3: after rotation (a new HOMEROOM_JWT_SECRET, the old one in
    HOMEROOM_JWT_PREVIOUS_SECRETS) tokens and links signed with the old secret still work, new ones
    are signed with the new secret (a new kid); once the old secret is removed its tokens and links
    are refused."""
    from urllib.parse import urlsplit

    from starlette.testclient import TestClient

    from domain.delivery.fan_out import fan_out
    from domain.messages.send import create_message
    from domain.support.signed_ids import key_id, signing_keys
    from domain.inbound.unsubscribe import unsubscribe_url
    from factories import add_contact, add_student, email, first_school_id
    from homeroom.app import create_app
    from homeroom.settings import load_settings
    from models.messaging import Delivery
    from resolve import request, viewer_for

    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email("rotated"))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", [kid]))
        fan_out(session, message.id)
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalar_one()
    old = get_settings()
    old_token = token_for(engine, "admin")
    old_link = urlsplit(unsubscribe_url(delivery_id, old.public_base_url, signing_keys(old))).path
    new_secret = "rotated-" + "n" * 40
    rotated = load_settings(jwt_secret=new_secret, jwt_previous_secrets=[old.jwt_secret.get_secret_value()])
    new_token = mint_token(rotated, user_id=user_id_from_token(old, old_token), login="admin")
    new_link = urlsplit(unsubscribe_url(delivery_id, rotated.public_base_url, signing_keys(rotated))).path
    assert jwt.get_unverified_header(new_token)["kid"] == key_id(new_secret.encode()) != key_id(
        old.jwt_secret.get_secret_value().encode())
    assert new_link.split(".")[2] == key_id(new_secret.encode())

    with TestClient(create_app(rotated, run_worker=False)) as during:
        for token in (old_token, new_token):
            assert gql(during, VIEWER, token=token)["data"]["viewer"]["login"] == "admin"
        assert during.get(old_link).status_code == 200 and during.get(new_link).status_code == 200
    assert gql(client, VIEWER, token=new_token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    after = load_settings(jwt_secret=new_secret)
    with TestClient(create_app(after, run_worker=False)) as done:
        assert gql(done, VIEWER, token=old_token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert gql(done, VIEWER, token=new_token)["data"]["viewer"]["login"] == "admin"
        assert done.get(old_link).status_code == 400 and done.get(new_link).status_code == 200
