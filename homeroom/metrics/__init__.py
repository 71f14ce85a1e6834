"""Prometheus metrics at ``GET /metrics`` (issue 17 point 7), in the text format of
``prometheus-client``. Two kinds of figure, chosen by who can see the events:

- **this API process's** (``requests``): HTTP requests by route, method and status, their duration,
  and GraphQL operations by type and outcome. Every API process serves its own; Prometheus scrapes
  each process and sums.
- **the deployment's** (``shared_figures``): deliveries by channel and status, Dramatiq queue depth
  and dispatch latency. Dispatch runs in ``homeroom worker`` processes, which serve no HTTP, so a
  per-process counter would miss them: these figures are read at scrape time from the database (the
  ledger, set-based and bounded) and Redis (the queues), cached a few seconds so that scrapes of
  every API process cost one read each.

Who may read it: with HOMEROOM_METRICS_TOKEN set, callers sending ``Authorization: Bearer <token>``
(any other answer is 401); unset, development serves it to anyone and production answers 404.
No label carries personal data: routes are path templates, never paths with ids.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from homeroom.metrics.requests import RequestMetrics
from homeroom.metrics.shared_figures import SharedFigures
from homeroom.runtime import Runtime

__all__ = ["Metrics"]


class Metrics:
    """One app's registry: its request metrics and the deployment's figures."""

    def __init__(self, runtime: Runtime) -> None:
        # auto_describe off: registering the shared figures must not read them (collect) at start-up.
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = RequestMetrics(self.registry)
        self.registry.register(SharedFigures(runtime.engine, runtime.broker))
        self._token = runtime.settings.metrics_token
        self._open = runtime.settings.is_development and self._token is None

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/metrics", include_in_schema=False)
        def metrics(request: Request) -> Response:  # a plain def: the database read runs on a thread
            if self._token is None and not self._open:
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            if self._token is not None and not _bearer_matches(request, self._token.get_secret_value()):
                return JSONResponse({"detail": "a bearer token is required"}, status_code=401,
                                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST,
                            headers={"Cache-Control": "no-store"})

        return router


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
