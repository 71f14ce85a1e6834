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
    found: StringValueNode | None = None

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        if NUL in node.value:
            self.found = node
            return self.BREAK
        return None


def nul_path(value: Any, path: tuple = ()) -> tuple | None:
    """Where a variable's value holds NUL in a string (a key or a value), however nested; None: nowhere."""
    if isinstance(value, str):
        return path if NUL in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and NUL in key:
            return (*path, key.replace(NUL, "\\u0000"))
        found = nul_path(item, (*path, str(key)))
        if found is not None:
            return found
    return None


class RefuseNulCharacters(SchemaExtension):
    """A BAD_USER_INPUT request error, in place of validation, for a document or variables with NUL:
    located in the document, or with the variable's ``path`` (["input", "subject"])."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            finder = _FindNul()
            visit(context.graphql_document, finder)
            path = nul_path(context.variables or {})
            if finder.found is not None:
                context.pre_execution_errors = [GraphQLError(MESSAGE, nodes=finder.found,
                                                             extensions={"code": "BAD_USER_INPUT"})]
            elif path is not None:
                context.pre_execution_errors = [GraphQLError(MESSAGE, extensions={"code": "BAD_USER_INPUT",
                                                                                  "path": list(path)})]
        yield
