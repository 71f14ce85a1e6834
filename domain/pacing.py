"""Pacing: a plugin that declares ``rate_per_second`` is never handed more than that, across every
worker process.

Sending slots are handed out by one generic cell rate algorithm (GCRA) per plugin: the next free
slot time lives in Redis (in the process when Homeroom runs embedded), and one atomic script
reserves a group of consecutive slots, each 1/rate after the last. A worker sends a group only
once the last of its slots has come, so no envelope goes out before its slot: in any window of T
seconds at most rate × T + group envelopes are sent. Groups hold a tenth of a second of traffic.
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


class Pacer:
    def __init__(self, reserve: Callable[[str, float, float, int], float], sleep=time.sleep, clock=time.time):
        self._reserve, self._sleep, self._clock = reserve, sleep, clock

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


def redis_reserve(url: str) -> Callable[[str, float, float, int], float]:
    import redis

    client = redis.Redis.from_url(url)
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


_pacer: Pacer | None = None


def pacer() -> Pacer:
    global _pacer
    if _pacer is None:
        from homeroom.settings import get_settings

        url = get_settings().redis_url
        _pacer = Pacer(redis_reserve(url) if url else local_reserve())
    return _pacer
