"""A credential's access checked again once for everyone holding it in this process.

A live subscription checks now and then that its credential still holds (a revoked partner key,
a deactivated account end it). A thousand sockets of one partner key each loading the viewer
every half minute made a thousand database reads at once, which queued every subscription's reads
behind them (bench/subscriptions.py: messageProgress frames two seconds late). A check made for one
holder of a credential now serves every other holder for SHARED_FOR_SECONDS.
"""

from __future__ import annotations

import asyncio
import hashlib
import time

import anyio
from anyio.lowlevel import RunVar

from domain.access.viewer import Viewer
from graph.context import Context
from graph.thread_limits import subscription_read_threads

#: How long one holder's check answers for every holder of the same credential.
SHARED_FOR_SECONDS = 5.0

_checks: RunVar[dict[str, tuple[float, asyncio.Future]]] = RunVar("homeroom_access_rechecks")


def _credential_key(context: Context) -> str:
    """The credential the context authenticates with, as a digest (the secret is not kept twice)."""
    header = context.request.headers.get("authorization", "") if context.request is not None else ""
    presented = repr((header, sorted((context.connection_params or {}).items())))
    return hashlib.sha256(presented.encode()).hexdigest()


async def fresh_viewer(context: Context) -> Viewer | None:
    """``context.fresh_viewer()``, shared with every holder of the same credential that asks
    within SHARED_FOR_SECONDS."""
    try:
        checks = _checks.get()
    except LookupError:
        checks = {}
        _checks.set(checks)
    key, now = _credential_key(context), time.monotonic()
    found = checks.get(key)
    if found is None or now - found[0] > SHARED_FOR_SECONDS or (found[1].done() and found[1].exception()):
        for stale in [k for k, (at, _) in checks.items() if now - at > SHARED_FOR_SECONDS]:
            del checks[stale]
        found = checks[key] = (now, asyncio.ensure_future(
            anyio.to_thread.run_sync(context.fresh_viewer, limiter=subscription_read_threads())))
    return await asyncio.shield(found[1])
