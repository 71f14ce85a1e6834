"""Issue 17, "Proof: fuzzing": the fuzzer's first finding on PostgreSQL. A string holding a NUL
character (U+0000) reached PostgreSQL, which cannot store one (psycopg DataError, answered "Internal
server error"); it is now refused before any resolver runs, in the document or in its variables,
on both databases alike."""

from __future__ import annotations

import pytest

from sqlalchemy import select

from helpers import gid, gql, token_for
from models.db import session_scope
from models.directory import District

REMOVE = "mutation Remove($endpoint: String!) { removePushSubscription(endpoint: $endpoint) }"


@pytest.mark.parametrize("how", ["variable", "literal"])
def test_issue_17_fuzzing_a_nul_character_is_bad_user_input_not_a_server_error(client, engine, how):
    token = token_for(engine, "admin")
    if how == "variable":
        body = gql(client, REMOVE, {"endpoint": "https://push.example/\x00"}, token=token)
    else:
        body = gql(client, 'mutation Remove { removePushSubscription(endpoint: "https://push.example/\\u0000") }',
                   token=token)
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "NUL" in error["message"], error


def test_issue_17_fuzzing_a_nul_character_in_nested_input_is_refused(client, engine):
    """Anywhere in a variable: inside an input object's list."""
    body = gql(client, "mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { __typename } }",
               {"input": {"htmlBody": "<p>x</p>", "channels": ["EMAIL"], "staffIds": [gid("User", 1) + "\x00"]}},
               token=token_for(engine, "admin"))
    assert [error["extensions"] for error in body["errors"]] == [
        {"code": "BAD_USER_INPUT", "path": ["input", "staffIds", "0"]}], body


def test_issue_17_fuzzing_text_without_nul_still_runs(client, engine):
    body = gql(client, REMOVE, {"endpoint": "https://push.example/unknown"}, token=token_for(engine, "admin"))
    assert "errors" not in body and body["data"] == {"removePushSubscription": False}, body


def _posted(client, token, body: str) -> dict:
    """A request body written by hand: JSON may carry a lone surrogate ("\\ud800"), which Python
    can hold in a str but UTF-8, SQLite and PostgreSQL cannot."""
    answered = client.post("/graphql", content=body, headers={"Content-Type": "application/json",
                                                               "Authorization": f"Bearer {token}"})
    assert answered.status_code == 200, answered.text
    return answered.json()


def test_issue_17_a_lone_surrogate_in_a_variable_is_bad_user_input_not_a_server_error(client, engine):
    """Found by review after the fuzzer (whose strings never hold surrogates): a lone UTF-16
    surrogate in a variable reached the database driver, which cannot encode it, and answered
    "Internal server error". It is refused before any resolver runs, with the variable's path."""
    token = token_for(engine, "admin")
    before = _help_text(engine)
    body = _posted(client, token, '{"query": "mutation Help($t: String!) { setSmsHelpText(text: $t) { __typename } }",'
                                  ' "variables": {"t": "help \\ud800"}}')
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "path": ["t"]}, error
    assert "surrogate" in error["message"], error
    assert _help_text(engine) == before


def _help_text(engine) -> str | None:
    with session_scope(engine) as session:
        return session.execute(select(District.sms_help_text)).scalars().first()


def test_issue_17_a_lone_surrogate_in_the_document_is_refused(client, engine):
    token = token_for(engine, "admin")
    body = _posted(client, token, '{"query": "mutation { removePushSubscription(endpoint: \\"x\\ud800\\") }"}')
    assert body.get("data") is None and body["errors"][0]["extensions"]["code"] in {
        "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED"}, body
