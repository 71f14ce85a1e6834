"""Pacing: a plugin that declares ``rate_per_second`` is never handed more than that, across every
worker process.

Sending slots are handed out by one generic cell rate algorithm (GCRA) per plugin: the next free
slot time lives in Redis (in the process when Homeroom runs embedded), and one atomic script
reserves a group of consecutive slots, each 1/rate after the last. A worker sends a group only
once the last of its slots has come, so no envelope goes out before its slot: in any window of T
seconds at most rate × T + group envelopes are sent. Groups hold a tenth of a second of traffic.

Emergency traffic first (CMP-07). The lanes already hand a worker its emergency jobs before any
other, but a paced job can hold a worker thread for a minute, and the slots are first come,
first served. So an emergency dispatch chunk is announced on the urgent board when it is
enqueued and taken off when its job ends. While the board holds any, a paced job that is not an
emergency's calls or SMS steps aside: one that starts waits without claiming anything, and one
already sending stops before its next group and puts its unsent deliveries back in the queue
(domain.delivery.dispatch). Either way its thread is free. An emergency then waits at most for the groups
other threads had already reserved. Entries expire after the dispatch time limit, so a worker
that died mid-emergency holds nothing back for long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: KEYS[1] the plugin's next free slot (seconds, float); ARGV: now, spacing, count.
#: Returns the start of the reserved slots. Redis TIME is not used: workers share a clock (NTP).
_RESERVE = """
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(free, tonumber(ARGV[1]))
local after = start + tonumber(ARGV[2]) * tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.6f', after), 'EX', 3600)
return string.format('%.6f', start)
"""


#: How long an announced emergency chunk may hold other paced traffic back without being taken
#: off the board (the dispatch actor's time limit).
URGENT_ENTRY_SECONDS = 300.0


class UrgentBoard:
    """Emergency dispatch chunks enqueued and not yet finished, across every worker."""

    def announce(self, keys: list[str], now: float) -> None:
        raise NotImplementedError

    def finished(self, key: str) -> None:
        raise NotImplementedError

    def pending(self, now: float) -> bool:
        raise NotImplementedError

    def clear(self) -> None:
        """Take every entry off (a test that leaves an emergency unrun)."""
        raise NotImplementedError


class RedisUrgentBoard(UrgentBoard):
    """A sorted set of chunk keys scored by when each entry expires."""

    KEY = "homeroom:pace:urgent"

    def __init__(self, client):
        self._client = client

    def announce(self, keys: list[str], now: float) -> None:
        if keys:
            self._client.zadd(self.KEY, {key: now + URGENT_ENTRY_SECONDS for key in keys})

    def finished(self, key: str) -> None:
        self._client.zrem(self.KEY, key)

    def pending(self, now: float) -> bool:
        return bool(self._client.zcount(self.KEY, f"({now}", "+inf"))

    def clear(self) -> None:
        self._client.delete(self.KEY)


class LocalUrgentBoard(UrgentBoard):
    """Embedded mode: the worker threads share this process."""

    def __init__(self):
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def announce(self, keys: list[str], now: float) -> None:
        with self._lock:
            self._expiry.update((key, now + URGENT_ENTRY_SECONDS) for key in keys)

    def finished(self, key: str) -> None:
        with self._lock:
            self._expiry.pop(key, None)

    def pending(self, now: float) -> bool:
        with self._lock:
            return any(expiry > now for expiry in self._expiry.values())

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()


class Pacer:
    def __init__(self, reserve: Callable[[str, float, float, int], float], urgent: UrgentBoard | None = None,
                 sleep=time.sleep, clock=time.time):
        self._reserve, self._sleep, self._clock = reserve, sleep, clock
        self.urgent = urgent or LocalUrgentBoard()

    def must_step_aside(self) -> bool:
        """True while an emergency's calls or SMS wait or are being sent: other paced traffic waits."""
        return self.urgent.pending(self._clock())

    def announce_urgent(self, keys: list[str]) -> None:
        self.urgent.announce(keys, self._clock())

    def wait_for_slots(self, name: str, rate_per_second: float, count: int) -> None:
        """Block until ``count`` envelopes of plugin ``name`` may go out."""
        spacing = 1.0 / rate_per_second
        start = self._reserve(name, self._clock(), spacing, count)
        last_slot = start + spacing * (count - 1)
        delay = last_slot - self._clock()
        if delay > 0:
            self._sleep(delay)


def group_size(rate_per_second: float) -> int:
    return max(1, int(rate_per_second // 10))


def redis_reserve(client) -> Callable[[str, float, float, int], float]:
    script = client.register_script(_RESERVE)

    def reserve(name: str, now: float, spacing: float, count: int) -> float:
        return float(script(keys=[f"homeroom:pace:{name}"], args=[f"{now:.6f}", f"{spacing:.9f}", count]))

    return reserve


def local_reserve() -> Callable[[str, float, float, int], float]:
    free: dict[str, float] = {}
    lock = threading.Lock()

    def reserve(name: str, now: float, spacing: float, count: int) -> float:
        with lock:
            start = max(free.get(name, 0.0), now)
            free[name] = start + spacing * count
            return start

    return reserve


def make_pacer(redis_url: str | None) -> Pacer:
    """The pacer of a process: slots and the urgent board in Redis when there is one (shared by
    every worker), else in this process (embedded mode). Built once by the shell's runtime."""
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        return Pacer(redis_reserve(client), RedisUrgentBoard(client))
    return Pacer(local_reserve(), LocalUrgentBoard())


def chunk_key(delivery_ids: list[int]) -> str:
    """The urgent board's name for a dispatch chunk: its first delivery (ids are never reused)."""
    return str(delivery_ids[0])
