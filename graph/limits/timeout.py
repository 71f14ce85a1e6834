"""The execution timeout of a query or mutation (HOMEROOM_GRAPHQL_TIMEOUT_SECONDS), answered TIMEOUT.

While an operation executes, models.db.statement_deadline holds its deadline: a statement that
would start after it is refused, so the operation stops at its next statement. A statement already
running is bounded by PostgreSQL's statement timeout (HOMEROOM_DATABASE_STATEMENT_TIMEOUT_SECONDS;
SQLite has none), and one it cancels is answered TIMEOUT too. Either way the operation's open
transaction is rolled back (nothing half-written) and the answer is one coded error, no data and no
traceback. Work that issues no statement (pure computation) is not interrupted: the deadline holds
at its next statement. Subscriptions live for hours: they have no execution timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from models.db import is_statement_timeout, statement_deadline


def timeout_error(seconds: float | None, *, statement: bool) -> GraphQLError:
    what = "A database statement" if statement else "The operation"
    limit = f" longer than {seconds:g} s" if seconds else " too long"
    return GraphQLError(f"{what} took{limit} and was stopped; its unfinished changes were rolled back.",
                        extensions={"code": "TIMEOUT", **({"limit": seconds} if seconds else {})})


class ExecutionTimeout(SchemaExtension):
    """Sets the deadline while a query or mutation executes; turns what it stopped into TIMEOUT."""

    def __init__(self, *, seconds: float | None, statement_timeout_seconds: float | None = None) -> None:
        super().__init__()
        self.seconds, self.statement_timeout_seconds = seconds, statement_timeout_seconds

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        started = time.monotonic()
        token = statement_deadline.set(started + self.seconds) if self.seconds else None
        try:
            yield
        finally:
            if token is not None:
                statement_deadline.reset(token)
        result = context.result
        stopped = [error for error in getattr(result, "errors", None) or () if is_statement_timeout(error.original_error)]
        if stopped:
            deadline_passed = bool(self.seconds) and time.monotonic() - started > self.seconds
            roll_back = getattr(context.context, "roll_back", None)
            if roll_back is not None:
                roll_back()
            result.data = None
            result.errors = [timeout_error(self.seconds if deadline_passed else self.statement_timeout_seconds,
                                           statement=not deadline_passed)]
