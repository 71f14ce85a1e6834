"""This API process's own metrics: HTTP requests (an ASGI middleware) and GraphQL operations (a
schema extension). Routes are labelled by their path template (``/attachments/{attachment_id}``),
so no id or address reaches a label; a path no route matched is ``unmatched``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from strawberry.extensions import SchemaExtension

UNMATCHED = "unmatched"
#: Request durations, in seconds: from 5 ms (a health probe) to a 50,000-row import.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.http_requests = Counter(
            "homeroom_http_requests", "HTTP requests this API process answered, by route template, method and "
                                      "status (a WebSocket counts once, when it ends, with status 101).",
            ["route", "method", "status"], registry=registry)
        self.http_duration = Histogram(
            "homeroom_http_request_duration_seconds", "How long this API process took to answer HTTP requests, "
                                                      "by route template.",
            ["route"], buckets=DURATION_BUCKETS, registry=registry)
        self.graphql_operations = Counter(
            "homeroom_graphql_operations", "GraphQL operations this API process ran, by type (query, mutation, "
                                           "subscription, unknown) and outcome: ok; partial (data and errors); "
                                           "error (no data); rejected (parse, validation or a limit, before any "
                                           "resolver ran).",
            ["type", "outcome"], registry=registry)

    def graphql_extension(self) -> Callable[[], SchemaExtension]:
        """The schema extension that counts operations (graph.schema.build_schema's extra_extensions)."""
        counter = self.graphql_operations
        return lambda: GraphQLOperationMetrics(counter)


class HttpMetricsMiddleware:
    """Counts and times each HTTP request and WebSocket (pure ASGI: the request id's context and
    streaming bodies pass through untouched)."""

    def __init__(self, app: Any, *, metrics: RequestMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [101 if scope["type"] == "websocket" else 500]

        async def send_noting_status(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = route_template(scope)
            method = scope.get("method", "GET") if scope["type"] == "http" else "WS"
            self.metrics.http_requests.labels(route, method, str(status[0])).inc()
            self.metrics.http_duration.labels(route).observe(time.perf_counter() - started)


def route_template(scope: dict) -> str:
    """The path template of the route that served ``scope``, as the router left it there: FastAPI
    names the route of an included router (its prefix and path) in its own scope entry, and the
    matched route in ``scope["route"]``; neither set means no route matched."""
    effective = (scope.get("fastapi") or {}).get("effective_route_context")
    for candidate in (effective, getattr(effective, "starlette_route", None), scope.get("route")):
        path = getattr(candidate, "path", None)
        if isinstance(path, str) and path.startswith("/"):
            return path
    return UNMATCHED


class GraphQLOperationMetrics(SchemaExtension):
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # noqa: BLE001  (a document that did not parse has no operation)
            kind = "unknown"
        self.counter.labels(kind, _outcome(context)).inc()


def _outcome(context: Any) -> str:
    if context.pre_execution_errors:
        return "rejected"
    result = context.result
    if not getattr(result, "errors", None):
        return "ok"
    return "error" if getattr(result, "data", None) is None else "partial"
