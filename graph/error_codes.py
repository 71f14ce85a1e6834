"""The safety net under every top-level error: each carries ``extensions.code`` (issue 17 point 2).

Errors raised on purpose carry their own code (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, the
limits' codes). What reaches a client without one gets the code of the stage that produced it:
a document that does not parse is GRAPHQL_PARSE_FAILED; one that breaks a validation rule
GRAPHQL_VALIDATION_FAILED; variables that do not fit their types (or an operation name that names
nothing) BAD_USER_INPUT; anything else while resolving INTERNAL_SERVER_ERROR. This extension is
listed first, so its on_operation ends last, after MaskErrors has replaced unexpected errors (a
code given before would keep them from being masked).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
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
    if error.path is None and (error.original_error is None or isinstance(error.original_error, GraphQLError)):
        return BAD_USER_INPUT  # variable coercion, before any resolver (a scalar's own GraphQLError)
    return INTERNAL_SERVER_ERROR


def give_codes(errors: list[GraphQLError] | None, *, executed: bool) -> None:
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code_of_uncoded(error, executed=executed)}


class EveryErrorHasACode(SchemaExtension):
    """Gives every top-level error of the answer a code (see the module docstring)."""

    def on_operation(self) -> Iterator[None]:
        self._executed = False
        yield
        result = self.execution_context.result
        give_codes(getattr(result, "errors", None) or self.execution_context.pre_execution_errors,
                   executed=self._executed)

    def on_execute(self) -> Iterator[None]:
        self._executed = True
        yield
