"""Text no database can store is refused before any resolver runs, by one rule for every string a
client sends, in the document or in its variables (issue 17, "Proof: fuzzing"):

- a NUL character (U+0000): PostgreSQL's text cannot hold one (psycopg DataError, which answered
  "Internal server error"), and SQLite would store what PostgreSQL refuses. Found by the fuzzer.
- a lone UTF-16 surrogate (U+D800 to U+DFFF): JSON may carry one as an escape and Python holds it
  in a str, but it is no character, UTF-8 cannot encode it, and both database drivers raised on it
  ("Internal server error"). Found by review: the fuzzer's strings never hold one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

NUL = "\x00"
MESSAGE = "Text may not contain the NUL character (U+0000)."
SURROGATE_MESSAGE = "Text may not contain a lone surrogate (U+D800 to U+DFFF): it is no Unicode character."
_SURROGATE = re.compile("[\ud800-\udfff]")


def refusal(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    if NUL in text:
        return MESSAGE
    if not text.isascii() and _SURROGATE.search(text):
        return SURROGATE_MESSAGE
    return None


class _FindUnstorableText(Visitor):
    found: StringValueNode | None = None
    message: str | None = None

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        self.message = refusal(node.value)
        if self.message is not None:
            self.found = node
            return self.BREAK
        return None


def unstorable_text_path(value: Any, path: tuple = ()) -> tuple[tuple, str] | None:
    """Where a variable's value holds text no database stores (a key or a value), however nested,
    and why; None: nowhere."""
    if isinstance(value, str):
        message = refusal(value)
        return None if message is None else (path, message)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        message = refusal(key) if isinstance(key, str) else None
        if message is not None:
            shown = key.replace(NUL, "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
            return (*path, shown), message
        found = unstorable_text_path(item, (*path, str(key)))
        if found is not None:
            return found
    return None


class RefuseNulCharacters(SchemaExtension):
    """A BAD_USER_INPUT request error, in place of validation, for a document or variables with NUL:
    located in the document, or with the variable's ``path`` (["input", "subject"])."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            finder = _FindUnstorableText()
            visit(context.graphql_document, finder)
            in_variables = unstorable_text_path(context.variables or {})
            if finder.found is not None:
                context.pre_execution_errors = [GraphQLError(finder.message, nodes=finder.found,
                                                             extensions={"code": "BAD_USER_INPUT"})]
            elif in_variables is not None:
                path, message = in_variables
                context.pre_execution_errors = [GraphQLError(message, extensions={"code": "BAD_USER_INPUT",
                                                                                  "path": list(path)})]
        yield
