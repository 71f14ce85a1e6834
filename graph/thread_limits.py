"""How many worker threads GraphQL work may hold at once, per event loop (anyio limiters, one per
loop as anyio's own default). Together they stay under the database pool (20, models.db), so
queries, mutations and any number of polling subscribers leave connections for the other routes;
more work waits its turn without blocking the event loop."""

from __future__ import annotations

import anyio
from anyio.lowlevel import RunVar

#: Queries and mutations (homeroom.routes.graphql).
GRAPHQL_THREADS = 16
#: Subscription reads (graph.delivery.progress), whatever the number of subscribers.
SUBSCRIPTION_READ_THREADS = 4

_limiters: RunVar[dict[str, anyio.CapacityLimiter]] = RunVar("homeroom_thread_limits")


def _limiter(name: str, size: int) -> anyio.CapacityLimiter:
    try:
        limiters = _limiters.get()
    except LookupError:
        limiters = {}
        _limiters.set(limiters)
    if name not in limiters:
        limiters[name] = anyio.CapacityLimiter(size)
    return limiters[name]


def operation_threads() -> anyio.CapacityLimiter:
    """This event loop's limiter of query and mutation threads."""
    return _limiter("operations", GRAPHQL_THREADS)


def subscription_read_threads() -> anyio.CapacityLimiter:
    """This event loop's limiter of subscription reads."""
    return _limiter("subscription reads", SUBSCRIPTION_READ_THREADS)
