"""Issue 17 point 6: rate limits per user or partner key on /graphql (HTTP requests, and operations
over a WebSocket, subscriptions included) and per client address on the token routes. Each limit has
a case under it, one over it (RATE_LIMITED with retryAfter; HTTP 429 with Retry-After) and the
recovery once the window has passed; in memory (embedded) and in Redis."""

from __future__ import annotations

import os
import time

import pytest
from starlette.testclient import TestClient

from harness import DATABASE_URL, REDIS_URL, USES_REDIS
from helpers import gid, token_for
from homeroom.app import create_app
from homeroom.settings import load_settings

RATE = "3 per 2 seconds"
VIEWER = "{ viewer { login } }"
PROGRESS = "subscription($id: ID!) { messageProgress(messageId: $id) { messageId status } }"
STORAGES = ["memory", pytest.param("redis", marks=pytest.mark.skipif(not USES_REDIS, reason="needs Redis"))]


def _client(storage: str, **rates: str) -> TestClient:
    settings = load_settings(environment="production", jwt_secret=os.environ["HOMEROOM_JWT_SECRET"],
                             database_url=DATABASE_URL, redis_url=REDIS_URL if storage == "redis" else None,
                             **rates)
    return TestClient(create_app(settings, run_worker=False))


def _post(client: TestClient, token: str):
    return client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})


def _assert_rate_limited(response) -> int:
    assert response.status_code == 429, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    retry_after = error["extensions"]["retryAfter"]
    assert isinstance(retry_after, int) and 1 <= retry_after <= 2
    assert response.headers["retry-after"] == str(retry_after)
    return retry_after


@pytest.mark.parametrize("storage", STORAGES)
def test_issue_17_point_6_graphql_requests_per_user_under_over_and_after_the_window(engine, storage):
    admin, teacher = token_for(engine, "admin"), token_for(engine, "teacher.1")
    with _client(storage, rate_limit_graphql=RATE) as client:
        time.sleep(2)  # a window of its own (the Redis keys of an earlier parametrization have expired)
        for _ in range(3):  # under: answered
            assert _post(client, admin).json() == {"data": {"viewer": {"login": "admin"}}}
        retry_after = _assert_rate_limited(_post(client, admin))  # over
        assert _post(client, teacher).json()["data"] == {"viewer": {"login": "teacher.1"}}  # another user's own rate
        time.sleep(retry_after)
        assert _post(client, admin).json() == {"data": {"viewer": {"login": "admin"}}}  # the window has passed


def _answer_to(ws, operation_id: str) -> dict:
    """The first next or error frame of ``operation_id`` (pings and other operations' frames skipped)."""
    while True:
        frame = ws.receive_json()
        if frame.get("type") == "ping":
            ws.send_json({"type": "pong"})
        elif frame.get("id") == operation_id and frame["type"] in ("next", "error"):
            return frame


@pytest.mark.parametrize("storage", STORAGES)
def test_issue_17_point_6_websocket_operations_count_subscriptions_included(engine, storage):
    """Over a socket each operation counts: a query, a subscription, a query (3 of 3), then the
    fourth gets an error frame with RATE_LIMITED and retryAfter; after the window, it runs."""
    token = token_for(engine, "admin")
    with _client(storage, rate_limit_graphql=RATE) as client:
        time.sleep(2)
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            assert ws.receive_json()["type"] == "connection_ack"

            def query(operation_id: str) -> dict:
                ws.send_json({"id": operation_id, "type": "subscribe", "payload": {"query": VIEWER}})
                return _answer_to(ws, operation_id)

            assert query("1")["payload"] == {"data": {"viewer": {"login": "admin"}}}
            ws.send_json({"id": "2", "type": "subscribe",
                          "payload": {"query": PROGRESS, "variables": {"id": gid("Message", 999999999)}}})
            assert query("3")["payload"] == {"data": {"viewer": {"login": "admin"}}}
            refused = query("4")
            assert refused["type"] == "error"
            [error] = refused["payload"]
            assert error["extensions"]["code"] == "RATE_LIMITED" and 1 <= error["extensions"]["retryAfter"] <= 2
            time.sleep(error["extensions"]["retryAfter"])
            assert query("5")["payload"] == {"data": {"viewer": {"login": "admin"}}}


def _refresh(client: TestClient):
    return client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "not-a-refresh-token"})


@pytest.mark.parametrize("storage", STORAGES)
def test_issue_17_point_6_token_routes_per_client_address(engine, storage):
    """POST /auth/token (exchange and refresh) and /auth/revoke count per client address: under the
    rate a bad refresh token is an ordinary invalid_grant; over it, 429 rate_limited with
    Retry-After before the form is read; after the window, answered again."""
    with _client(storage, rate_limit_token_routes=RATE) as client:
        time.sleep(2)
        assert _refresh(client).json()["error"] == "invalid_grant"
        assert client.post("/auth/revoke", data={"token": "not-a-token"}).status_code == 200
        assert _refresh(client).json()["error"] == "invalid_grant"
        over = _refresh(client)
        assert over.status_code == 429 and over.json()["error"] == "rate_limited"
        retry_after = int(over.headers["retry-after"])
        assert 1 <= retry_after <= 2 and over.json()["retry_after"] == retry_after
        assert client.post("/auth/revoke", data={"token": "not-a-token"}).status_code == 429
        time.sleep(retry_after)
        assert _refresh(client).json()["error"] == "invalid_grant"


def test_issue_17_point_6_rates_are_validated_at_start_up():
    from homeroom.settings import SettingsError

    with pytest.raises(SettingsError, match="HOMEROOM_RATE_LIMIT_GRAPHQL: 'lots' is not a rate"):
        load_settings(rate_limit_graphql="lots")
