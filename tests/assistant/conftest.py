"""Fixtures of the writing-assistant tests (issue 18 point 6): a real OpenAI-compatible server
(peers.openai_server) and an app whose runtime's assistant is the ``openai-compatible`` plugin
pointed at it, so every test runs the real ``openai`` SDK over HTTP."""

from __future__ import annotations

import dataclasses

import pytest

from assistant_support import API_KEY, assistant_service
from helpers import make_user, set_district
from models.directory import Role



@pytest.fixture(scope="module")
def chat_server():
    from peers.openai_server import OpenAICompatibleServer

    server = OpenAICompatibleServer(api_key=API_KEY)
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_server_state(request):
    """Each test starts with no queued behaviours and no recorded requests."""
    if "chat_server" in request.fixturenames:
        server = request.getfixturevalue("chat_server")
        server.behaviours.clear()
        server.requests.clear()
        server.default = "ok"


@pytest.fixture(scope="module")
def ai_client(engine, runtime, chat_server):
    """A TestClient of an app whose assistant talks to ``chat_server`` (no in-process worker: the
    assistant enqueues nothing)."""
    from starlette.testclient import TestClient

    from homeroom.app import create_app

    app = create_app(runtime=dataclasses.replace(runtime, assistant=assistant_service(chat_server.base_url)),
                     run_worker=False)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def ai_addon(engine):
    """The district has the ai add-on for the module (AI-01); restored afterwards."""
    previous = set_district(engine, addon_ai=True)
    yield
    set_district(engine, **previous)


@pytest.fixture
def teacher(engine, ai_addon) -> str:
    """A fresh teacher with every teacher permission, "Communication AI" at Edit among them (PERM-44)."""
    return make_user(engine, Role.TEACHER)


@pytest.fixture
def admin(engine, ai_addon) -> str:
    """A fresh administrator with every administrator permission (PERM-07)."""
    return make_user(engine, Role.ADMIN)
