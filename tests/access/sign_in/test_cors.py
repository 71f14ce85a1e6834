"""CORS (issue 16 point 2): browser apps on the allowed origins may call /graphql and /auth; other
origins get no CORS headers; nothing is allowed by default in production."""

from __future__ import annotations

import pytest

from helpers import token_for
from sign_in_steps import APP_ORIGIN

PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


def test_an_allowed_origin_gets_its_preflight_answered(sign_in_client):
    """Issue 16 point 2: OPTIONS /graphql from an allowed origin is answered (no longer 405) with
    the origin, the methods and the headers a bearer-token call needs."""
    response = sign_in_client.options("/graphql", headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert {"authorization", "content-type"} <= {
        header.strip().lower() for header in response.headers["access-control-allow-headers"].split(",")}
    assert "access-control-allow-credentials" not in response.headers  # HOMEROOM_CORS_ALLOW_CREDENTIALS unset
    token_preflight = sign_in_client.options("/auth/token", headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert token_preflight.headers["access-control-allow-origin"] == APP_ORIGIN


def test_an_allowed_origin_reads_the_answer_and_another_origin_does_not(sign_in_client, engine):
    """Issue 16 point 2: a cross-origin POST /graphql from the allowed origin carries
    Access-Control-Allow-Origin; from another origin it carries no CORS header, and its preflight
    is refused."""
    headers = {"Authorization": "Bearer " + token_for(engine, "admin")}
    allowed = sign_in_client.post("/graphql", json={"query": "{ viewer { login } }"},
                                  headers={**headers, "Origin": APP_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
    other = sign_in_client.post("/graphql", json={"query": "{ viewer { login } }"},
                                headers={**headers, "Origin": "https://evil.example"})
    assert not any(name.startswith("access-control-") for name in other.headers)
    preflight = sign_in_client.options("/graphql", headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


def test_production_allows_no_origin_by_default(client):
    """Issue 16 point 2: with HOMEROOM_CORS_ORIGINS unset in production (the session app) no origin
    is allowed: no CORS headers, and a preflight is not answered."""
    response = client.options("/graphql", headers={"Origin": "http://localhost:3000", **PREFLIGHT})
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


def test_development_allows_localhost_when_unset(runtime):
    """Issue 16 point 2: a development server with HOMEROOM_CORS_ORIGINS unset allows localhost and
    127.0.0.1 on any port (a frontend's dev server), and nothing else; credentials follow the setting."""
    import dataclasses

    from starlette.testclient import TestClient

    from homeroom.app import create_app
    from homeroom.settings import Environment

    settings = runtime.settings.model_copy(update={"environment": Environment.DEVELOPMENT,
                                                   "cors_allow_credentials": True})
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings), run_worker=False)
    with TestClient(app) as development:
        for origin in ("http://localhost:5173", "http://127.0.0.1:3000"):
            answer = development.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
            assert answer.headers["access-control-allow-origin"] == origin
            assert answer.headers["access-control-allow-credentials"] == "true"
        refused = development.options("/graphql", headers={"Origin": "http://localhost.evil.example", **PREFLIGHT})
        assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize(("value", "message"), [
    ('["*"]', "list the origins"),
    ('["https://app.example.org/"]', "is not an origin"),
    ('["app.example.org"]', "is not an origin"),
    ('["https://app.example.org/path"]', "is not an origin"),
])
def test_bad_cors_origins_stop_start_up_with_a_clear_message(monkeypatch, value, message):
    """Issue 16 point 2: HOMEROOM_CORS_ORIGINS is validated at start-up."""
    from homeroom.settings import SettingsError, load_settings

    monkeypatch.setenv("HOMEROOM_CORS_ORIGINS", value)
    with pytest.raises(SettingsError) as stopped:
        load_settings()
    assert str(stopped.value).startswith("invalid setting HOMEROOM_CORS_ORIGINS") and message in str(stopped.value)
