"""Bearer JWT on HTTP and on the WebSocket connection_init payload; `homeroom token`."""

from __future__ import annotations

import datetime as dt
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
        claims["exp"] = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        headers["Authorization"] = "Bearer " + jwt.encode(claims, secret, algorithm="HS256")
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
