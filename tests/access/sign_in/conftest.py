"""Sign-in tests: a real OpenID Provider (npm oidc-provider under Node, tests/peers/openid_provider)
and a Homeroom app that trusts it, beside the session's app (which trusts no provider)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from peers.openid_provider import AUDIENCE, CLIENT_ID, OpenIdProvider, unavailable_reason
from sign_in_steps import ALLOWED_DOMAIN, APP_ORIGIN


@pytest.fixture(scope="session")
def openid_provider(tmp_path_factory):
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    provider = OpenIdProvider(tmp_path_factory.mktemp("openid-provider"), accounts={})
    yield provider
    provider.close()


@pytest.fixture(scope="session")
def trusting_app(runtime, engine, openid_provider):
    """Homeroom trusting the test provider (its client id and the API audience of its JWT access
    tokens), refetching its JWKS on an unknown kid at once, allowing one browser origin."""
    from homeroom.app import create_app
    from homeroom.settings import TrustedIssuer

    settings = runtime.settings.model_copy(update={
        "oidc_issuers": [TrustedIssuer(issuer=openid_provider.issuer, audience=[CLIENT_ID, AUDIENCE],
                                       allowed_email_domains=[ALLOWED_DOMAIN])],
        "oidc_jwks_min_refresh_seconds": 0.0,
        "cors_origins": [APP_ORIGIN],
    })
    return create_app(runtime=dataclasses.replace(runtime, settings=settings), run_worker=False)


@pytest.fixture(scope="session")
def sign_in_client(trusting_app):
    from starlette.testclient import TestClient

    with TestClient(trusting_app) as test_client:
        yield test_client


@pytest.fixture
def person(openid_provider):
    """Put a person at the provider: ``person(email=..., email_verified=...)`` → their subject."""

    def add(**claims) -> str:
        subject = "person-" + uuid.uuid4().hex[:10]
        openid_provider.add_accounts({subject: {"email_verified": True, **claims}})
        return subject

    return add

