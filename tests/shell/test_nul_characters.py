"""Issue 17, "Proof: fuzzing": the fuzzer's first finding on PostgreSQL. A string holding a NUL
character (U+0000) reached PostgreSQL, which cannot store one (psycopg DataError, answered "Internal
server error"); it is now refused before any resolver runs, in the document or in its variables,
on both databases alike."""

from __future__ import annotations

import pytest

from helpers import gid, gql, token_for

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
