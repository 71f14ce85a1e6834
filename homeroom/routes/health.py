"""Liveness and readiness (issue 17 point 7).

- ``GET /healthz``: the process answers and reaches its database (a load balancer's liveness probe).
- ``GET /readyz``: every peer the process needs answers within HOMEROOM_READINESS_TIMEOUT_SECONDS:
  the database, and Redis when HOMEROOM_REDIS_URL is set. 200 names what was checked; 503 names
  what failed. The body never carries a URL, a host or an exception's text (the log says which
  exception type failed), so it may be shown to anyone.

Each check runs on a worker thread; a check that hangs past the timeout counts as failed and its
thread is abandoned rather than waited for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from homeroom.settings import Settings

log = logging.getLogger(__name__)


def health_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()
    timeout = settings.readiness_timeout_seconds
    checks: dict[str, Callable[[], None]] = {"database": lambda: _check_database(engine)}
    if settings.redis_url is not None:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
        checks["redis"] = client.ping

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        _check_database(engine)
        return {"status": "ok", "mode": "embedded" if settings.embedded else "production"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}

        async def run(name: str, check: Callable[[], None]) -> None:
            results[name] = await _within(check, timeout, name)

        async with anyio.create_task_group() as group:
            for name, check in checks.items():
                group.start_soon(run, name, check)
        results = {name: results[name] for name in checks}
        failed = [name for name, outcome in results.items() if outcome != "ok"]
        body = {"status": "not ready" if failed else "ready", "checks": results}
        if failed:
            body["failed"] = failed
        return JSONResponse(body, status_code=503 if failed else 200, headers={"Cache-Control": "no-store"})

    return router


def _check_database(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


async def _within(check: Callable[[], None], timeout: float, name: str) -> str:
    """"ok", "failed" or "timed out"; the reason goes to the log by its type alone."""
    with anyio.move_on_after(timeout):
        try:
            await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
            return "ok"
        except Exception as error:  # noqa: BLE001  (any failure means not ready)
            log.warning("readiness: the %s check failed (%s)", name, type(error).__name__)
            return "failed"
    log.warning("readiness: the %s check took longer than %s s", name, timeout)
    return "timed out"
