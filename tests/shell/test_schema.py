"""schema.graphql stays in step with the code; permissions show in the SDL; limits and masking."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from graph.limits import MAX_ALIASES, MAX_QUERY_DEPTH
from graph.schema import build_schema, export_sdl
from helpers import gql, token_for

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_matches_the_code():
    """Regenerate with: homeroom export-schema > schema.graphql"""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == export_sdl(), \
        "schema.graphql drifted from the code; run `homeroom export-schema > schema.graphql`"


def test_export_schema_command_prints_the_same_sdl():
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "export-schema"], capture_output=True,
                            text=True, env=os.environ.copy(), timeout=60)
    assert result.returncode == 0 and result.stdout == export_sdl()


def test_perm_02_gated_fields_state_their_permission_in_the_sdl():
    """Covers PERM-02: every gate is declared where the field is and shows in the SDL."""
    sdl = export_sdl()
    for text in ('"Send as Priority" (Edit) [PERM-12]', '"Emergency Calls" (Edit) [PERM-39] with the callout add-on',
                 '"Send From District" (Edit) [PERM-10]', '"Send From School" (Edit) [PERM-11]',
                 '"Send to Staff" (Edit) [PERM-21, PERM-52]', '"Send SMS" (Edit) [PERM-24, PERM-55]',
                 '"Send to Students : Primary Contacts" (Edit) [PERM-16, PERM-47]',
                 'Requires "Communication" (View) [PERM-06, PERM-43, PERM-59] and "Send Messages" (Edit)'):
        assert text in sdl, text


def test_query_depth_is_limited(client, engine):
    deep = "{ viewer " + "{ profiles " * (MAX_QUERY_DEPTH + 1) + "{ name }" + " }" * (MAX_QUERY_DEPTH + 2)
    body = gql(client, deep, token=token_for(engine, "admin"))
    assert body["errors"] and "depth" in body["errors"][0]["message"].lower()


def test_aliases_are_limited(client, engine):
    query = "{ " + " ".join(f"a{i}: viewer {{ login }}" for i in range(MAX_ALIASES + 1)) + " }"
    body = gql(client, query, token=token_for(engine, "admin"))
    assert body["errors"] and "alias" in body["errors"][0]["message"].lower()


def test_unexpected_errors_are_masked_outside_development():
    import strawberry

    @strawberry.type
    class Query:
        @strawberry.field
        def boom(self) -> str:
            raise RuntimeError("secret detail")

    from graph.errors.masking import MaskUnexpectedErrors

    schema = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])
    result = schema.execute_sync("{ boom }")
    assert result.errors[0].message == "Internal server error"
    assert result.errors[0].extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert build_schema(development=True) is not None


def test_graphiql_is_served_only_in_development(client):
    """The test app runs in production mode: /graphql answers GraphQL, never the IDE page."""
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in page.text.lower()


INTROSPECTION = "{ __schema { queryType { name } } }"


def test_introspection_is_off_in_production(client, engine):
    """Issue 13 point 16: the production app (as the tests run it) answers no introspection query,
    signed in or not; ordinary queries, __typename included, still work."""
    for token in (None, token_for(engine, "admin")):
        body = gql(client, INTROSPECTION, token=token)
        assert body.get("data") is None and "introspection" in body["errors"][0]["message"].lower()
    body = gql(client, "{ __typename viewer { login } }", token=token_for(engine, "admin"))
    assert body["data"] == {"__typename": "Query", "viewer": {"login": "admin"}}


def test_introspection_answers_where_the_setting_turns_it_on(engine):
    """Issue 13 point 16: in development (the demo), or with HOMEROOM_GRAPHQL_INTROSPECTION=true,
    GraphiQL and tools can read the schema."""
    from starlette.testclient import TestClient

    from homeroom.app import create_app
    from homeroom.settings import load_settings

    for overrides in ({"environment": "development"}, {"graphql_introspection": True}):
        with TestClient(create_app(load_settings(**overrides), run_worker=False)) as other:
            body = gql(other, INTROSPECTION)
            assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
