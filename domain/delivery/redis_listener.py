"""One Redis pub/sub connection per event loop, fanned out to that loop's local subscribers
(issue 16 point 6).

Each subscriber used to open its own Redis connection and reader task: 1,000 subscribers meant
1,000 connections, 1,000 copies of every notice over the wire and 1,000 tasks parsing them. A
``RedisListener`` holds one connection and one reader task; a Redis channel is SUBSCRIBEd while at
least one local subscriber wants it and UNSUBSCRIBEd when the last one leaves. A notice is decoded
once and offered to every local queue without waiting (``offer``: a full queue drops and marks a
RESYNC), so a slow subscriber never holds up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

log = logging.getLogger(__name__)

#: A subscriber's queue holds at most this many notices; past that they are dropped and one
#: RESYNC takes their place (the subscriber re-reads the database, which has the truth).
QUEUE_LIMIT = 1_000
#: Put on a subscriber's queue when notices may have been lost (a full queue, a Redis reconnect).
RESYNC = None
RECONNECT_SECONDS = 1.0
#: How long subscribing waits for Redis to confirm the SUBSCRIBE before going on regardless.
CONFIRM_SECONDS = 5.0
#: The reader wakes this often when nothing arrives (to notice a lost connection).
READ_TIMEOUT_SECONDS = 5.0

Decode = Callable[[bytes], object]


def offer(queue: asyncio.Queue, item) -> None:
    """Queue ``item`` for a subscriber; past QUEUE_LIMIT, a single RESYNC stands for what is dropped."""
    if queue.qsize() < QUEUE_LIMIT:
        queue.put_nowait(item)
    elif queue.qsize() == QUEUE_LIMIT:
        queue.put_nowait(RESYNC)


class RedisListener:
    """The pub/sub connection of one event loop and the local queues behind each channel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._queues: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._decoders: dict[str, Decode] = {}
        self._at_redis: set[str] = set()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._changes = asyncio.Lock()  # SUBSCRIBE/UNSUBSCRIBE one at a time, in the order wanted
        self._client = None
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._lost = False  # the connection failed: the reader builds a new one before reading on
        self._has_channels = asyncio.Event()

    @property
    def channels(self) -> set[str]:
        """The channels this loop listens to at Redis now (tests and metrics read it)."""
        return set(self._at_redis)

    def local_subscribers(self) -> int:
        return sum(len(queues) for queues in self._queues.values())

    @contextlib.asynccontextmanager
    async def listen(self, channel: str, decode: Decode) -> AsyncIterator[asyncio.Queue]:
        """A queue fed from ``channel`` until the block ends; Redis has confirmed the subscription
        (or CONFIRM_SECONDS passed) before the block starts."""
        queue: asyncio.Queue = asyncio.Queue()
        self._queues[channel].add(queue)
        self._decoders[channel] = decode
        try:
            await self._reconcile(channel)
            yield queue
        finally:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                del self._queues[channel]
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._reconcile(channel))

    async def _reconcile(self, channel: str) -> None:
        """SUBSCRIBE or UNSUBSCRIBE ``channel`` so Redis matches the local subscribers."""
        async with self._changes:
            wanted = bool(self._queues.get(channel))
            if wanted == (channel in self._at_redis):
                confirmed = self._confirmed.get(channel)
            else:
                confirmed = await self._change(channel, wanted)
        if confirmed is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(confirmed.wait(), CONFIRM_SECONDS)

    async def _change(self, channel: str, subscribe: bool) -> asyncio.Event | None:
        if subscribe:
            await self._connect()
            confirmed = self._confirmed[channel] = asyncio.Event()
            self._at_redis.add(channel)
            self._has_channels.set()
            try:
                await self._pubsub.subscribe(channel)
            except Exception:  # noqa: BLE001  (the reader subscribes again when Redis is back)
                log.warning("could not subscribe to %s yet", channel, exc_info=True)
                self._lost = True
            if self._reader is None or self._reader.done():  # started once the connection exists
                self._reader = asyncio.create_task(self._read(), name="homeroom-redis-listener")
            return confirmed
        self._at_redis.discard(channel)
        if not self._at_redis:
            self._has_channels.clear()
        self._confirmed.pop(channel, None)
        self._decoders.pop(channel, None)
        try:
            await self._pubsub.unsubscribe(channel)
        except Exception:  # noqa: BLE001  (a notice nobody wants is dropped by the reader)
            log.warning("could not unsubscribe from %s", channel, exc_info=True)
        return None

    async def _connect(self) -> None:
        if self._pubsub is None:
            import redis.asyncio as aioredis

            self._client = aioredis.Redis.from_url(self.url)
            self._pubsub = self._client.pubsub()

    async def _read(self) -> None:
        """Decode each notice once and offer it to every local queue of its channel."""
        while True:
            try:
                if self._lost:
                    await self._resubscribe()
                    self._lost = False
                if not self._at_redis:
                    await self._has_channels.wait()
                    continue
                item = await self._pubsub.get_message(timeout=READ_TIMEOUT_SECONDS)
                if item is not None:
                    self._deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (Redis went away: subscribe again when it is back)
                log.warning("lost the Redis subscription; subscribing again", exc_info=True)
                self._lost = True
                await asyncio.sleep(RECONNECT_SECONDS)

    def _deliver(self, item: dict) -> None:
        channel = item.get("channel")
        channel = channel.decode() if isinstance(channel, bytes) else channel
        if item.get("type") == "subscribe":
            if channel in self._confirmed:
                self._confirmed[channel].set()
            return
        if item.get("type") != "message" or channel not in self._queues:
            return
        try:
            notice = self._decoders[channel](item["data"])
        except (ValueError, KeyError):
            log.warning("dropped an undecodable notice on %s", channel)
            return
        for queue in self._queues[channel]:
            offer(queue, dict(notice) if isinstance(notice, dict) else notice)

    async def _resubscribe(self) -> None:
        """A fresh connection with every channel wanted now; each queue gets a RESYNC (notices may
        have been lost meanwhile)."""
        async with self._changes:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = self._client.pubsub()
            if self._queues:
                await self._pubsub.subscribe(*self._queues)  # raises while Redis is away: tried again
            self._at_redis = set(self._queues)
        for queues in self._queues.values():
            for queue in queues:
                offer(queue, RESYNC)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        for closable in (self._pubsub, self._client):
            if closable is not None:
                with contextlib.suppress(Exception):
                    await closable.aclose()
