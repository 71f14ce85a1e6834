"""The safety net under every top-level error: each carries ``extensions.code`` (issue 17 point 2).

Errors raised on purpose carry their own code (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, the
limits' codes). What reaches a client without one gets the code of the stage that produced it:
a document that does not parse is GRAPHQL_PARSE_FAILED; one that breaks a validation rule
GRAPHQL_VALIDATION_FAILED; variables that do not fit their types BAD_USER_INPUT; anything else
while resolving INTERNAL_SERVER_ERROR.

A code given before MaskErrors would keep an unexpected error from being masked, so the net runs
after it: for an answer, EveryErrorHasACode is listed first (on_operation hooks end in reverse
order); for each result of a stream (a subscription's events, its initial errors), whose hooks run
in list order before the result goes out, EveryStreamedErrorHasACode is listed last.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError, VariableDefinitionNode
from strawberry.extensions import SchemaExtension

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def code_of_uncoded(error: GraphQLError, *, executed: bool) -> str:
    """The code an error without one gets, by the stage it comes from."""
    if isinstance(error, GraphQLSyntaxError) or isinstance(error.original_error, GraphQLSyntaxError):
        return PARSE_FAILED
    if not executed:
        return VALIDATION_FAILED
    if error.path is None and any(isinstance(node, VariableDefinitionNode) for node in error.nodes or ()):
        return BAD_USER_INPUT  # a variable's value does not fit its type: refused before any resolver
    return INTERNAL_SERVER_ERROR


def give_codes(errors: list[GraphQLError] | None, *, executed: bool) -> None:
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code_of_uncoded(error, executed=executed)}


class _TracksExecution(SchemaExtension):
    _executed = False

    def on_execute(self) -> Iterator[None]:
        self._executed = True
        yield


class EveryErrorHasACode(_TracksExecution):
    """Gives every top-level error of the answer a code (see the module docstring); list it first."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        give_codes(getattr(result, "errors", None) or self.execution_context.pre_execution_errors,
                   executed=self._executed)


class EveryStreamedErrorHasACode(_TracksExecution):
    """Gives every top-level error of each streamed result a code before it goes out; list it last."""

    def on_stream_result(self, result: object) -> Iterator[None]:
        give_codes(getattr(result, "errors", None), executed=self._executed)
        yield
