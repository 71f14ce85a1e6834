"""Every top-level error carries extensions.code (issue 17 point 2): wrong documents of every kind
sent to the production-config app, and the safety net (graph.errors.codes) on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest
import strawberry
from strawberry.extensions import MaskErrors

from graph.errors.codes import EveryErrorHasACode, EveryStreamedErrorHasACode
from graph.errors.masking import is_unexpected
from graph.limits import MAX_ALIASES, MAX_QUERY_DEPTH
from helpers import gid, token_for

DISCARD = "mutation($id: ID!) { discardDraft(id: $id) { __typename } }"

#: (name, document, variables, signed in, the code every error must carry; None: any code)
WRONG_DOCUMENTS = [
    ("syntax error", "{ viewer { login ", None, True, "GRAPHQL_PARSE_FAILED"),
    ("empty document", " ", None, True, None),
    ("unknown field", "{ viewer { noSuchField } }", None, True, "GRAPHQL_VALIDATION_FAILED"),
    ("unknown argument", "{ viewer(nope: 1) { login } }", None, True, "GRAPHQL_VALIDATION_FAILED"),
    ("missing argument", "mutation { discardDraft { __typename } }", None, True, "GRAPHQL_VALIDATION_FAILED"),
    ("undefined variable", "mutation { discardDraft(id: $id) { __typename } }", None, True,
     "GRAPHQL_VALIDATION_FAILED"),
    ("wrong literal type", "mutation { discardDraft(id: {a: 1}) { __typename } }", None, True,
     "GRAPHQL_VALIDATION_FAILED"),
    ("unknown enum value", "mutation { setDefaultUserPreference(setting: NOPE, value: true) { __typename } }",
     None, True, "GRAPHQL_VALIDATION_FAILED"),
    ("scalar without selection", "{ viewer }", None, True, "GRAPHQL_VALIDATION_FAILED"),
    ("introspection in production", "{ __schema { queryType { name } } }", None, True, None),
    ("too deep", "{ viewer " + "{ profiles " * (MAX_QUERY_DEPTH + 1) + "{ name }" + " }" * (MAX_QUERY_DEPTH + 2),
     None, True, None),
    ("too many aliases", "{ " + " ".join(f"a{i}: viewer {{ login }}" for i in range(MAX_ALIASES + 1)) + " }",
     None, True, None),
    ("too many tokens", "{ " + "viewer { login } " * 400 + "}", None, True, None),
    ("missing variable", DISCARD, {}, True, "BAD_USER_INPUT"),
    ("null for a non-null variable", DISCARD, {"id": None}, True, "BAD_USER_INPUT"),
    ("object for an ID variable", DISCARD, {"id": {"a": 1}}, True, "BAD_USER_INPUT"),
    ("string for an Int variable", f"mutation($n: Int) {{ sendDraft(id: \"{gid('Message', 1)}\", "
                                   "confirmedRecipientCount: $n) { __typename } }", {"n": "many"}, True,
     "BAD_USER_INPUT"),
    ("signed out", "{ viewer { login } }", None, False, "UNAUTHENTICATED"),
    ("signed out mutation", DISCARD, {"id": gid("Message", 1)}, False, "UNAUTHENTICATED"),
]


@pytest.mark.parametrize("name,document,variables,signed_in,code", WRONG_DOCUMENTS,
                         ids=[case[0] for case in WRONG_DOCUMENTS])
def test_issue_17_point_2_every_top_level_error_of_a_wrong_document_has_a_code(
        client, engine, name, document, variables, signed_in, code):
    headers = {"Authorization": f"Bearer {token_for(engine, 'admin')}"} if signed_in else {}
    body = {"query": document, "variables": variables}
    response = client.post("/graphql", json=body, headers=headers)
    answer = response.json()
    assert answer.get("errors"), (name, response.status_code, answer)
    for error in answer["errors"]:
        assert error.get("extensions", {}).get("code"), (name, answer)
        if code is not None:
            assert error["extensions"]["code"] == code, (name, answer)


def test_issue_17_point_2_a_permission_refusal_is_forbidden_with_a_code(client, engine):
    """A teacher asking for district set-up: FORBIDDEN, the permission named."""
    answer = client.post("/graphql", json={"query": "mutation { setSmsHelpText(text: \"x\") { __typename } }"},
                         headers={"Authorization": f"Bearer {token_for(engine, 'teacher.1')}"}).json()
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["FORBIDDEN"], answer


def test_issue_17_point_2_the_safety_net_codes_masked_and_unexpected_errors():
    """The net runs after MaskErrors: an exception is masked first, then coded INTERNAL_SERVER_ERROR
    (a code given first would keep it from being masked); a GraphQLError raised without a code, a
    null in a non-null field and a bad variable get codes too; a code already there stays."""
    from graphql import GraphQLError

    @strawberry.type
    class Query:
        @strawberry.field
        def boom(self) -> str | None:
            raise RuntimeError("secret detail")

        @strawberry.field
        def uncoded(self) -> str | None:
            raise GraphQLError("deliberate, but without a code")

        @strawberry.field
        def coded(self) -> str | None:
            raise GraphQLError("coded", extensions={"code": "FORBIDDEN"})

        @strawberry.field
        def missing(self) -> str:
            return None  # type: ignore[return-value]

        @strawberry.field
        def echo(self, n: int) -> int:
            return n

    schema = strawberry.Schema(query=Query, extensions=[
        EveryErrorHasACode, lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Internal server error")])
    result = schema.execute_sync("{ boom uncoded coded }")
    by_field = {error.path[0]: error for error in result.errors}
    [missing] = schema.execute_sync("{ missing }").errors
    by_field["missing"] = missing
    assert by_field["boom"].message == "Internal server error"
    assert by_field["boom"].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert by_field["uncoded"].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert by_field["coded"].extensions == {"code": "FORBIDDEN"}
    assert by_field["missing"].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    [bad_variable] = schema.execute_sync("query($n: Int!) { echo(n: $n) }", variable_values={"n": "x"}).errors
    assert bad_variable.extensions == {"code": "BAD_USER_INPUT"}
    [syntax] = schema.execute_sync("{ echo(").errors
    assert syntax.extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    [invalid] = schema.execute_sync("{ nothing }").errors
    assert invalid.extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}


def test_issue_17_point_2_streamed_results_have_codes_after_masking():
    """A subscription's initial errors and its events' errors get their codes too, after MaskErrors:
    a refused document, variables that do not fit, and an exception mid-stream (masked, then coded)."""
    @strawberry.type
    class Query:
        ok: int = 1

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def tick(self, n: int) -> AsyncGenerator[int, None]:
            yield n
            raise RuntimeError("secret detail")

    schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=[
        EveryErrorHasACode, lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Internal server error"),
        EveryStreamedErrorHasACode])

    async def results(document: str, variables: dict | None = None) -> list:
        stream = await schema.subscribe(document, variable_values=variables)
        if not hasattr(stream, "__aiter__"):
            return [stream]
        return [result async for result in stream]

    [invalid] = asyncio.run(results("subscription { tick(n: 1) { nothing } }"))
    assert [e.extensions["code"] for e in invalid.errors] == ["GRAPHQL_VALIDATION_FAILED"]
    [bad_variable] = asyncio.run(results("subscription($n: Int!) { tick(n: $n) }", {"n": "x"}))
    assert [e.extensions["code"] for e in bad_variable.errors] == ["BAD_USER_INPUT"]
    first, failed = asyncio.run(results("subscription { tick(n: 7) }"))
    assert first.data == {"tick": 7} and not first.errors
    assert [(e.message, e.extensions) for e in failed.errors] == [
        ("Internal server error", {"code": "INTERNAL_SERVER_ERROR"})]
