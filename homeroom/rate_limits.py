"""Rate limits (issue 17 point 6): operations per user or partner key on /graphql, and requests per
client address on the unauthenticated token routes (/auth/token, /auth/revoke) and the public
announcement feed (/public/announcements).

The ``limits`` package counts in a moving window (every hit of the last period counts, so there is
no burst at a window's edge, and the wait it answers is exact: until the oldest hit leaves the
window): in Redis when HOMEROOM_REDIS_URL is set, so every API process shares one count per caller,
and in this process's memory in embedded mode. A caller over its rate is told how many seconds to
wait (``retryAfter``, HTTP ``Retry-After``). Should Redis
be unreachable, requests are let through (and a warning logged): a rate limit that took the API down
with Redis would do more harm than the traffic it holds back.

Calls block on Redis: make them on a worker thread, never on the event loop.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from homeroom.settings import Settings

log = logging.getLogger(__name__)

#: Every key the limits write in Redis starts with this (beside Dramatiq's ``homeroom:``).
REDIS_KEY_PREFIX = "homeroom-rate"
#: A rate-limit check waits at most this long for Redis before letting the request through.
REDIS_TIMEOUT_SECONDS = 0.5
RATE_LIMITED = "RATE_LIMITED"


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A request over its rate: try again in ``retry_after`` seconds."""

    retry_after: int
    rate: str

    @property
    def message(self) -> str:
        return f"Too many requests (at most {self.rate}); try again in {self.retry_after} s."

    @property
    def extensions(self) -> dict:
        return {"code": RATE_LIMITED, "retryAfter": self.retry_after}


class RateLimits:
    """The process's limiter, built once from the settings (homeroom.app)."""

    def __init__(self, *, graphql_rate: str, token_route_rate: str, redis_url: str | None,
                 public_feed_rate: str = "120/minute") -> None:
        self.graphql: RateLimitItem = parse(graphql_rate)
        self.token_routes: RateLimitItem = parse(token_route_rate)
        self.public_feed: RateLimitItem = parse(public_feed_rate)
        self._limiter = MovingWindowRateLimiter(_storage(redis_url))

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(graphql_rate=settings.rate_limit_graphql, token_route_rate=settings.rate_limit_token_routes,
                   public_feed_rate=settings.rate_limit_public_feed, redis_url=settings.redis_url)

    def graphql_operation(self, caller: str) -> Refusal | None:
        """Count one GraphQL operation of ``caller`` (``user:<id>``, ``key:<id>`` or ``address:<ip>``)."""
        return self._hit(self.graphql, "graphql", caller)

    def token_request(self, address: str) -> Refusal | None:
        """Count one request to a token route from ``address``."""
        return self._hit(self.token_routes, "token", address)

    def public_feed_request(self, address: str) -> Refusal | None:
        """Count one request to the public announcement feed from ``address`` (ANN-10)."""
        return self._hit(self.public_feed, "public-feed", address)

    def _hit(self, item: RateLimitItem, scope: str, caller: str) -> Refusal | None:
        try:
            if self._limiter.hit(item, scope, caller):
                return None
            stats = self._limiter.get_window_stats(item, scope, caller)
        except Exception as error:  # noqa: BLE001  (the storage is down: let the request through)
            log.warning("rate limit not checked: its storage failed (%s)", type(error).__name__)
            return None
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Refusal(retry_after=retry_after, rate=_spoken(item))


def graphql_caller(viewer: object | None, client_address: str | None) -> str:
    """The identity one GraphQL bucket belongs to: the partner key, else the user, else the address."""
    if viewer is not None:
        key = getattr(viewer, "key", None)
        return f"key:{key.key_id}" if key is not None else f"user:{viewer.user.id}"  # type: ignore[attr-defined]
    return f"address:{client_address or 'unknown'}"


def _storage(redis_url: str | None) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage(redis_url, key_prefix=REDIS_KEY_PREFIX, socket_timeout=REDIS_TIMEOUT_SECONDS,
                        socket_connect_timeout=REDIS_TIMEOUT_SECONDS)


def _spoken(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return f"{item.amount} per {item.multiples} {unit}s" if item.multiples != 1 else f"{item.amount} per {unit}"
