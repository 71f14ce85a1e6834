"""Fixtures of the webhook tests (issue 16 point 5): a real receiver that verifies Standard
Webhooks signatures, and endpoints made through the API and deleted afterwards."""

from __future__ import annotations

import pytest

from helpers import gql, pk_of, token_for
from webhook_support import CREATE


@pytest.fixture
def admin_token(engine) -> str:
    return token_for(engine, "admin")


@pytest.fixture
def receiver():
    from peers.webhook_receiver import WebhookReceiver

    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def make_endpoint(client, engine, admin_token):
    """``make_endpoint(receiver, event_types, school_ids=None)``: an endpoint for ``receiver``, whose
    secret the receiver then verifies with; every endpoint made is deleted after the test. ``school_ids``
    are global ids; the answer's ``id`` is the endpoint's row id, ``gid`` its global id."""
    made: list[int] = []

    def make(receiver, event_types=("MESSAGE_COMPLETED",), school_ids=None) -> dict:
        body = gql(client, CREATE, {"input": {"url": receiver.url, "eventTypes": list(event_types),
                                              "schoolIds": school_ids}}, admin_token)
        created = body["data"]["createWebhookEndpoint"]
        assert created["__typename"] == "WebhookEndpointWithSecret", body
        receiver.secrets.append(created["secret"])
        made.append(pk_of(created["endpoint"]["id"]))
        return {"id": pk_of(created["endpoint"]["id"]), "gid": created["endpoint"]["id"], "secret": created["secret"],
                "endpoint": created["endpoint"]}

    yield make
    from domain.audit.actions import Actor
    from domain.webhooks.endpoints import remove
    from models.db import session_scope

    # One transaction per endpoint: holding one endpoint's lock while waiting for the next one's,
    # which the worker may hold while it waits for the first, deadlocked a teardown on PostgreSQL.
    for endpoint_id in made:
        with session_scope(engine) as session:
            remove(session, endpoint_id, actor=Actor.system())
