"""Issue 17 point 6: the limits every GraphQL document holds before any resolver runs. Each limit has
a case one under (or at) it and one over it, and every refusal carries extensions.code, the limit and
what the document has (found)."""

from __future__ import annotations

import dataclasses

from starlette.testclient import TestClient

from graph.limits import MAX_ALIASES, MAX_QUERY_CHARACTERS, MAX_QUERY_DEPTH, MAX_QUERY_TOKENS
from graph.limits.tokens import count_tokens
from helpers import gid, gql, token_for


def _custom_client(runtime, **settings):
    """A client of an app whose settings differ from the test app's by ``settings``."""
    from homeroom.app import create_app

    changed = runtime.settings.model_copy(update=settings)
    return TestClient(create_app(runtime=dataclasses.replace(runtime, settings=changed), run_worker=False))


def _codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


# --- depth -------------------------------------------------------------------------------------

def _nested(depth: int) -> str:
    """A valid document ``depth`` levels deep (introspection's ofType chain nests as deep as asked)."""
    return "{ __type(name: \"Query\") { " + "ofType { " * (depth - 1) + "name" + " }" * depth + " }"


def test_issue_17_point_6_depth_at_the_limit_runs_and_one_more_is_refused_with_the_numbers(client, engine, runtime):
    from homeroom.settings import Environment

    with _custom_client(runtime, environment=Environment.DEVELOPMENT) as development:  # introspection on
        at_limit = gql(development, _nested(MAX_QUERY_DEPTH))
        assert "errors" not in at_limit, at_limit
        over = gql(development, _nested(MAX_QUERY_DEPTH + 1))
    assert over.get("data") is None
    [error] = over["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "limit": MAX_QUERY_DEPTH, "found": MAX_QUERY_DEPTH + 1}
    assert "depth" in error["message"]


# --- aliases -----------------------------------------------------------------------------------

def _aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ login }}" for i in range(count)) + " }"


def test_issue_17_point_6_aliases_at_the_limit_run_and_one_more_is_refused_with_a_code(client, engine):
    token = token_for(engine, "admin")
    at_limit = gql(client, _aliased(MAX_ALIASES), token=token)
    assert "errors" not in at_limit and at_limit["data"][f"a{MAX_ALIASES - 1}"]["login"] == "admin"
    over = gql(client, _aliased(MAX_ALIASES + 1), token=token)
    assert over.get("data") is None
    [error] = over["errors"]
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "limit": MAX_ALIASES, "found": MAX_ALIASES + 1}


# --- tokens and length -------------------------------------------------------------------------

def _with_tokens(count: int) -> str:
    """``{ viewer { login } }`` and comments up to ``count`` tokens (the budget counts comments;
    1,000 repeated fields would exhaust graphql-core's own validation first)."""
    base = "{ viewer { login } }"
    query = base + "\n#" * (count - count_tokens(base))
    assert count_tokens(query) == count
    return query


def test_issue_17_point_6_tokens_at_the_budget_run_and_one_more_is_refused_with_the_numbers(client, engine):
    token = token_for(engine, "admin")
    assert "errors" not in gql(client, _with_tokens(MAX_QUERY_TOKENS), token=token)
    error = gql(client, _with_tokens(MAX_QUERY_TOKENS + 1), token=token)["errors"][0]
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "unit": "tokens", "limit": MAX_QUERY_TOKENS,
                                   "found": MAX_QUERY_TOKENS + 1}


def test_issue_17_point_6_length_at_the_limit_runs_and_one_more_character_is_refused(client, engine):
    token = token_for(engine, "admin")
    base = "{ viewer { login } }"
    at_limit = base + " " * (MAX_QUERY_CHARACTERS - len(base))
    assert "errors" not in gql(client, at_limit, token=token)
    error = gql(client, at_limit + " ", token=token)["errors"][0]
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "unit": "characters",
                                   "limit": MAX_QUERY_CHARACTERS, "found": MAX_QUERY_CHARACTERS + 1}
    assert "locations" not in error  # the size is the problem, not a place in it


# --- cost --------------------------------------------------------------------------------------

REPORT_WITH_DELIVERIES = """
query Costly($rows: Int!, $deliveries: Int!) {
  communicationReport(first: $rows) { totalCount edges { node { message { id
    deliveries(first: $deliveries) { edges { node { id status } } } } } } }
}"""


def test_issue_17_point_6_cost_at_the_limit_runs_and_above_it_is_refused_before_execution(engine, runtime):
    """50 report rows × 100 deliveries: 50 + 50 × 100 = 5,050 nodes."""
    token = token_for(engine, "admin")
    with _custom_client(runtime, graphql_max_cost=5_050) as limited:
        at_limit = gql(limited, REPORT_WITH_DELIVERIES, {"rows": 50, "deliveries": 100}, token=token)
        assert "errors" not in at_limit, at_limit
        over = gql(limited, REPORT_WITH_DELIVERIES, {"rows": 51, "deliveries": 100}, token=token)
    assert over.get("data") is None
    [error] = over["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "limit": 5_050, "found": 51 + 51 * 100}


def test_issue_17_point_6_a_cached_document_is_still_costed_with_each_request_s_variables(engine, runtime):
    """The parse and validation cache keeps the document; the cost, which depends on the variables,
    is computed again for every request, so a cached document cannot slip past it."""
    token = token_for(engine, "admin")
    with _custom_client(runtime, graphql_max_cost=1_000) as limited:
        for _ in range(2):  # the second request is served from the cache
            small = gql(limited, REPORT_WITH_DELIVERIES, {"rows": 5, "deliveries": 10}, token=token)
            assert "errors" not in small, small
        large = gql(limited, REPORT_WITH_DELIVERIES, {"rows": 50, "deliveries": 100}, token=token)
    assert _codes(large) == ["QUERY_TOO_COSTLY"]


def test_issue_17_point_6_a_document_refused_by_a_limit_is_refused_every_time(client, engine):
    """A refused document never enters the cache: the second request is refused the same way."""
    token = token_for(engine, "admin")
    for _ in range(2):
        assert _codes(gql(client, _aliased(MAX_ALIASES + 1), token=token)) == ["TOO_MANY_ALIASES"]


# --- execution timeout -------------------------------------------------------------------------

def test_issue_17_point_6_an_operation_within_the_timeout_answers_and_one_past_it_answers_timeout(engine, runtime):
    token = token_for(engine, "admin")
    # The viewer is loaded before execution (the rate limit counts by it): the operation's own
    # statement, reading a message, is the one the deadline stops.
    reading = '{ message(id: "1") { id } }'
    with _custom_client(runtime, graphql_timeout_seconds=30) as patient:
        assert "errors" not in gql(patient, reading, token=token)
    with _custom_client(runtime, graphql_timeout_seconds=1e-6) as hasty:
        body = gql(hasty, reading, token=token)
        # The operation had begun: by GraphQL over HTTP that is a 200 with data null, not a request error
        specified = hasty.post("/graphql", json={"query": reading}, headers={
            "Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"})
    assert specified.status_code == 200 and specified.json()["data"] is None, specified.text
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "limit": 1e-6}
    assert "Traceback" not in str(body) and "DeadlinePassed" not in str(body)


def test_issue_17_point_6_a_mutation_past_the_timeout_writes_nothing(engine, runtime):
    """The operation stops at its next statement and its transaction rolls back; within the
    timeout the same mutation writes its draft."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.directory import Student
    from models.messaging import Message

    token = token_for(engine, "admin")
    save = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
      ... on SaveDraftSuccess { message { id } } } }"""
    with session_scope(engine) as session:
        student = gid("Student", session.scalars(select(Student.id).where(Student.status == "ACTIVE").limit(1)).one())
    draft = {"input": {"htmlBody": "<p>Timed</p>", "channels": ["EMAIL"], "recipientType": "ALL_CONTACTS",
                       "studentIds": [student]}}

    def messages() -> int:
        with session_scope(engine) as session:
            return session.scalar(select(func.count()).select_from(Message))

    before = messages()
    with _custom_client(runtime, graphql_timeout_seconds=1e-6) as hasty:
        body = gql(hasty, save, draft, token=token)
    assert _codes(body) == ["TIMEOUT"] and body["data"] is None
    assert messages() == before
    with _custom_client(runtime, graphql_timeout_seconds=30) as patient:
        assert gql(patient, save, draft, token=token)["data"]["saveDraft"]["message"]["id"]
    assert messages() == before + 1
