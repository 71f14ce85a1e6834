"""One execution and one encoding of a subscription event for every subscriber who gets the same
answer (issue 16 point 6).

A thousand partners following one key's feed, or one message's progress, are handed the same event
object by the process's hub (domain.feed.hub, graph.delivery.progress_watch). Executed as GraphQL
asks, each subscriber would run its selection set over that object and the socket would encode the
result again: ~1 ms of Python per subscriber per event, which at a thousand subscribers is a second
per event. Here an event object marked with ``shared(value)`` remembers, per document (its text,
operation name and variables), the result of its first execution; a later subscriber with the same
document gets that result without executing, and its data carries its JSON text, encoded once
(``encoded_next_frame``).

This is only sound because the marked objects' fields are plain data: no resolver below them reads
the context (the viewer) or the database. Who may see the object at all is decided before it is
shared: by the hub, per scope. tests/graph/test_shared_results.py walks the types reachable from
every marked type and fails if one gains a resolver.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import ExecutionResult, OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_RESULTS = "_homeroom_shared_results"


def shared(value: Any) -> Any:
    """Mark ``value`` (a subscription event handed to many subscribers) so that its execution is
    shared among them; ``value`` itself is returned."""
    object.__setattr__(value, _RESULTS, {})
    return value


class SharedData(dict):
    """A result's data, executed once for many subscribers; ``encoded`` is its JSON, made once."""

    __slots__ = ("_encoded",)

    @property
    def encoded(self) -> str:
        try:
            return self._encoded
        except AttributeError:
            self._encoded = json.dumps(self, separators=(",", ":"), ensure_ascii=False)
            return self._encoded


class SharedEventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, executing a shared subscription event once per document."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        results = getattr(self.root_value, _RESULTS, None)
        if results is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        key = self._document_key()
        found = results.get(key)
        if found is not None:
            return found
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._remember_later(results, key, result)
        return self._remember(results, key, result)

    async def _remember_later(self, results: dict, key: tuple, pending: Any) -> ExecutionResult:
        return self._remember(results, key, await pending)

    @staticmethod
    def _remember(results: dict, key: tuple, result: ExecutionResult) -> ExecutionResult:
        if result.errors or result.data is None:  # errors carry paths of one execution: not shared
            return result
        results[key] = ExecutionResult(SharedData(result.data), None)
        return results[key]

    def _document_key(self) -> tuple:
        """What decides the answer besides the event: the document, the operation, the variables."""
        operation = self.operation
        document = operation.loc.source.body if operation.loc is not None else id(operation)
        name = operation.name.value if operation.name is not None else None
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        return document, name, variables


def encoded_next_frame(message: Any) -> str | None:
    """The graphql-transport-ws ``next`` frame's text when its payload is shared data alone, built
    from the data's one encoding; None for any other frame (encoded as usual)."""
    if not isinstance(message, dict) or message.get("type") != "next":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or payload.keys() != {"data"} or not isinstance(payload["data"], SharedData):
        return None
    return f'{{"id":{json.dumps(message["id"], ensure_ascii=False)},"type":"next","payload":{{"data":{payload["data"].encoded}}}}}'
