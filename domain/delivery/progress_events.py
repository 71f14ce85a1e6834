"""The event bus: "message N changed" notices from whoever changes deliveries (fan-out, dispatch,
the queue run) to whoever streams progress (the messageProgress subscription), and "your inbox
changed" notices (a small JSON object per user) for the inboxUpdates subscription.

A notice carries only the message id; subscribers read the counts from the ledger, which stays
the source of truth, so a lost or coalesced notice costs at most a little latency. With Redis the
notices go through Redis pub/sub, so any API process can serve any subscriber whichever worker
did the work; in embedded mode they stay in the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "homeroom:progress:"
INBOX_CHANNEL_PREFIX = "homeroom:inbox:"
#: One channel for every referral request (INB-09): a partner's behaviour module consumes it.
REFERRAL_CHANNEL = "homeroom:referrals"


class InProcessBus:
    """Embedded mode: subscribers are asyncio queues of this process; publish from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
        self._inboxes: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
        self._referrals: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()

    def publish_referral(self, event: dict) -> None:
        """Put a referral request on every referral subscription in this process."""
        with self._lock:
            targets = list(self._referrals)
        for loop, queue in targets:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, event)

    @contextlib.asynccontextmanager
    async def subscribe_referrals(self) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._referrals.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._referrals.discard(entry)

    def publish_inbox(self, notices: Iterable[tuple[int, dict]]) -> None:
        """Put each (user id, notice) on that user's inbox subscriptions in this process."""
        with self._lock:
            targets = [(loop, queue, notice) for user_id, notice in notices
                       for loop, queue in self._inboxes.get(user_id, ())]
        for loop, queue, notice in targets:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, notice)

    @contextlib.asynccontextmanager
    async def subscribe_inbox(self, user_id: int) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._inboxes[user_id].add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._inboxes[user_id].discard(entry)
                if not self._inboxes[user_id]:
                    del self._inboxes[user_id]

    def publish(self, message_ids: Iterable[int]) -> None:
        with self._lock:
            targets = [(loop, queue, message_id) for message_id in set(message_ids)
                       for loop, queue in self._subscribers.get(message_id, ())]
        for loop, queue, message_id in targets:
            with contextlib.suppress(RuntimeError):  # the subscriber's loop has closed
                loop.call_soon_threadsafe(queue.put_nowait, message_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, message_id: int) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._subscribers[message_id].add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers[message_id].discard(entry)
                if not self._subscribers[message_id]:
                    del self._subscribers[message_id]


class RedisBus:
    """Production: one Redis pub/sub channel per message."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url)

    def publish(self, message_ids: Iterable[int]) -> None:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for message_id in set(message_ids):
                    pipe.publish(f"{CHANNEL_PREFIX}{message_id}", str(message_id))
                pipe.execute()
        except Exception:  # noqa: BLE001  (a notice is a courtesy; the ledger has the truth)
            log.warning("could not publish progress notices", exc_info=True)

    def publish_inbox(self, notices: Iterable[tuple[int, dict]]) -> None:
        """One Redis channel per user: any API process serves that user's subscription."""
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for user_id, notice in notices:
                    pipe.publish(f"{INBOX_CHANNEL_PREFIX}{user_id}", json.dumps(notice))
                pipe.execute()
        except Exception:  # noqa: BLE001  (a notice is a courtesy; the database has the truth)
            log.warning("could not publish inbox notices", exc_info=True)

    def publish_referral(self, event: dict) -> None:
        """A referral request on REFERRAL_CHANNEL, for any API process and any partner listening."""
        try:
            self._client.publish(REFERRAL_CHANNEL, json.dumps(event))
        except Exception:  # noqa: BLE001  (the referral_request row is the record)
            log.warning("could not publish a referral request", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe_referrals(self) -> AsyncIterator[asyncio.Queue]:
        async with self._listen(REFERRAL_CHANNEL, json.loads) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe_inbox(self, user_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self._listen(f"{INBOX_CHANNEL_PREFIX}{user_id}", json.loads) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe(self, message_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self._listen(f"{CHANNEL_PREFIX}{message_id}", lambda _: message_id) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def _listen(self, channel: str, decode) -> AsyncIterator[asyncio.Queue]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel)
        queue: asyncio.Queue = asyncio.Queue()

        async def pump() -> None:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    queue.put_nowait(decode(item["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await pubsub.aclose()
            await client.aclose()


#: What the shell's runtime holds as its event bus.
ProgressBus = InProcessBus | RedisBus


def make_bus(redis_url: str | None) -> ProgressBus:
    """Redis pub/sub when there is Redis, else this process's bus (embedded mode)."""
    return RedisBus(redis_url) if redis_url else InProcessBus()


def publish(bus: ProgressBus, message_ids: Iterable[int]) -> None:
    """Tell ``bus``'s subscribers these messages changed (ids that are None are skipped)."""
    ids = [message_id for message_id in message_ids if message_id is not None]
    if ids:
        bus.publish(ids)
