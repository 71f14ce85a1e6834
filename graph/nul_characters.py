"""Text with a NUL character (U+0000) is refused before any resolver runs: PostgreSQL's text cannot
hold one (psycopg raises DataError, which answered "Internal server error"), and SQLite would store
what PostgreSQL refuses. One rule for every string a client sends, in the document or in its
variables, found by the fuzzer (issue 17, "Proof: fuzzing")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

NUL = "\x00"
MESSAGE = "Text may not contain the NUL character (U+0000)."


class _FindNul(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        if NUL in node.value:
            self.found = True
            return self.BREAK
        return None


def holds_nul(value: Any) -> bool:
    """Whether a variable's value holds NUL in any string (keys included), however nested."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


class RefuseNulCharacters(SchemaExtension):
    """A BAD_USER_INPUT request error, in place of validation, for a document or variables with NUL."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            finder = _FindNul()
            visit(context.graphql_document, finder)
            if finder.found or holds_nul(context.variables or {}):
                context.pre_execution_errors = [GraphQLError(MESSAGE, extensions={"code": "BAD_USER_INPUT"})]
        yield
