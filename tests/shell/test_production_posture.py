"""Issue 17 point 7: the production configuration boots, and each of its switches is asserted one by
one: no introspection, no GraphiQL, no queries over GET, no field suggestions, no legacy graphql-ws
protocol, unexpected errors masked with a request id. Development keeps what it had (introspection,
GraphiQL, GET, suggestions, errors as they are)."""

from __future__ import annotations

import logging
import os

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from harness import DATABASE_URL, REDIS_URL, RUN_DIR
from helpers import token_for
from homeroom.app import create_app
from homeroom.auth import mint_token
from homeroom.settings import load_settings

INTROSPECTION = "{ __schema { queryType { name } } }"
MISSPELT = "{ viewr { login } }"


def _settings(environment: str, **overrides):
    """What production requires: a random signing secret of 32+ characters (the run's, so that the
    tests' tokens are accepted); the run's database and Redis (embedded when the run has none)."""
    secret = os.environ["HOMEROOM_JWT_SECRET"]
    assert len(secret) >= 32
    return load_settings(**{"environment": environment, "jwt_secret": secret, "database_url": DATABASE_URL,
                            "redis_url": REDIS_URL or None, **overrides})


@pytest.fixture(scope="module")
def production(engine):
    with TestClient(create_app(_settings("production"), run_worker=False)) as client:
        yield client


@pytest.fixture(scope="module")
def development(engine):
    with TestClient(create_app(_settings("development"), run_worker=False)) as client:
        yield client


def _post(client, query: str, token: str | None = None, **headers: str) -> dict:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_issue_17_point_7_production_boots_and_answers(production, engine):
    """The production configuration starts (secret, database, Redis when the run has it) and serves
    an ordinary query."""
    body = _post(production, "{ viewer { login } }", token_for(engine, "admin"))
    assert body == {"data": {"viewer": {"login": "admin"}}}


def test_issue_17_point_7_introspection_is_off_in_production_on_in_development(production, development, engine):
    refused = _post(production, INTROSPECTION, token_for(engine, "admin"))
    assert refused.get("data") is None and "introspection" in refused["errors"][0]["message"].lower()
    assert _post(development, INTROSPECTION)["data"] == {"__schema": {"queryType": {"name": "Query"}}}


def test_issue_17_point_7_graphiql_is_off_in_production_on_in_development(production, development):
    page = production.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "graphiql" not in page.text.lower()
    page = development.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_issue_17_point_7_queries_over_get_are_off_in_production_on_in_development(production, development):
    refused = production.get("/graphql", params={"query": "{ __typename }"})
    # GraphQL over HTTP (issue 17 point 4): a GET the server does not run is 405, naming POST
    assert refused.status_code == 405 and refused.headers["allow"] == "POST", refused.text
    assert "__typename" not in refused.text
    answered = development.get("/graphql", params={"query": "{ __typename }"})
    assert answered.status_code == 200 and answered.json() == {"data": {"__typename": "Query"}}


def test_issue_17_point_7_field_suggestions_are_off_in_production_on_in_development(production, development,
                                                                                        engine):
    """A validation error names the unknown field, but production does not suggest the real one
    ("Did you mean 'viewer'?" would reveal the schema introspection hides)."""
    message = _post(production, MISSPELT, token_for(engine, "admin"))["errors"][0]["message"]
    assert "viewr" in message and "did you mean" not in message.lower() and "viewer" not in message
    message = _post(development, MISSPELT)["errors"][0]["message"]
    assert "Did you mean 'viewer'?" in message


#: graphql-core suggests more than fields: arguments, types, enum values, input fields.
OTHER_SUGGESTIONS = [
    ('{ message(idd: "1") { id } }', None),
    ("query($c: Chanel) { viewer { login } }", None),
    ("mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename } }",
     {"input": {"channel": ["EMAIL"], "htmlBody": "<p>x</p>"}}),
]


@pytest.mark.parametrize("document,variables", OTHER_SUGGESTIONS)
def test_issue_17_point_7_no_suggestion_of_any_kind_in_production(production, development, engine, document,
                                                                   variables):
    """Issue 17 point 7: misspelt arguments, types and input fields get no "Did you mean" either
    (development still suggests)."""
    headers = {"Authorization": f"Bearer {token_for(engine, 'admin')}"}
    refused = production.post("/graphql", json={"query": document, "variables": variables}, headers=headers).json()
    assert refused["errors"] and not any("did you mean" in error["message"].lower() for error in refused["errors"])
    shown = development.post("/graphql", json={"query": document, "variables": variables}, headers=headers).json()
    assert any("Did you mean" in error["message"] for error in shown["errors"]), shown


@pytest.mark.parametrize("environment", ["production", "development"])
def test_issue_17_point_7_legacy_graphql_ws_is_refused(production, development, environment):
    """Only graphql-transport-ws is spoken (in development as before): a client asking for the
    legacy graphql-ws protocol is closed with 4406 before any message."""
    client = production if environment == "production" else development
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            ws.receive_json()
    assert refused.value.code == 4406
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.accepted_subprotocol == "graphql-transport-ws"


@pytest.fixture(scope="module")
def database_without_tables():
    """A database whose tables were never created: every read fails unexpectedly."""
    return f"sqlite:///{RUN_DIR / 'never-migrated.db'}"


def test_issue_17_point_7_unexpected_errors_are_masked_with_a_request_id(database_without_tables, caplog):
    """Production answers "Internal server error" with code INTERNAL_SERVER_ERROR and the request's
    id; the log line carries the same id and the real exception, the answer neither the SQL nor the
    exception's text."""
    settings = _settings("production", database_url=database_without_tables, redis_url=None)
    token = mint_token(settings, user_id=1, login="admin")
    with TestClient(create_app(settings, run_worker=False)) as client, caplog.at_level(logging.ERROR):
        response = client.post("/graphql", json={"query": "{ viewer { login } }"},
                               headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-17-point-7"})
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert body["errors"] == [{"message": "Internal server error", "locations": [{"line": 1, "column": 3}],
                               "path": ["viewer"],
                               "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-17-point-7"}}]
    assert "no such table" not in response.text and "SELECT" not in response.text
    logged = [record for record in caplog.records if record.name == "graph.errors.masking"]
    assert len(logged) == 1 and "req-17-point-7" in logged[0].getMessage()
    assert logged[0].exc_info and "no such table" in str(logged[0].exc_info[1])


def test_issue_17_point_7_development_shows_unexpected_errors_as_they_are(database_without_tables):
    settings = _settings("development", database_url=database_without_tables, redis_url=None)
    token = mint_token(settings, user_id=1, login="admin")
    with TestClient(create_app(settings, run_worker=False)) as client:
        body = client.post("/graphql", json={"query": "{ viewer { login } }"},
                           headers={"Authorization": f"Bearer {token}"}).json()
    assert "no such table" in body["errors"][0]["message"]
    assert "requestId" not in (body["errors"][0].get("extensions") or {})
