"""The event bus: "message N changed" notices from whoever changes deliveries (fan-out, dispatch,
the queue run) to whoever streams progress (the messageProgress subscription), "your inbox
changed" notices (a small JSON object per user) for the inboxUpdates subscription, and "announcement
N changed" notices for the announcements subscription.

A notice carries only ids; subscribers read what they show from the database, which stays the
source of truth, so a lost or coalesced notice costs at most a little latency. With Redis the
notices go through Redis pub/sub, so any API process can serve any subscriber whichever worker
did the work; in embedded mode they stay in the process.

Each process holds one Redis pub/sub connection (per event loop) however many subscribers it
serves, and fans each notice out to them (domain.delivery.redis_listener, issue 16 point 6).
``subscribe_any`` hears every "message changed" notice (the delivery feed's wake-up).

Redis pub/sub ignores the database number, so channel names carry it (``homeroom:7:inbox:42``):
two deployments, or two test runs, on one Redis server never hear each other's notices.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable

from domain.delivery.redis_listener import QUEUE_LIMIT, RESYNC, RedisListener
from domain.delivery.redis_listener import offer as _offer

__all__ = ["QUEUE_LIMIT", "RESYNC", "InProcessBus", "RedisBus", "ProgressBus", "make_bus", "publish", "inbox_notice"]

log = logging.getLogger(__name__)

#: Notices per Redis pipeline: 100k readers of one message go in 20 round trips.
PIPELINE_CHUNK = 5_000
#: A batch this large first asks Redis who is listening (one PUBSUB CHANNELS) and publishes only
#: to them: most of 100k readers of a message are not online.
LISTENER_CHECK_FROM = 50
#: How long a "once" claim lasts (first_claim): longer than any job's retries.
CLAIM_SECONDS = 86_400


def inbox_notice(change: str, *, thread_id: int | None = None, message_id: int | None = None) -> dict:
    """The JSON object an inbox notice carries: what changed and where, never content."""
    return {"change": change, "threadId": thread_id, "messageId": message_id}


class InProcessBus:
    """Embedded mode: subscribers are asyncio queues of this process; publish from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
        self._inboxes: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
        self._claims: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._referrals: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._announcements: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._any: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()

    def publish_referral(self, event: dict) -> None:
        """Put a referral request on every referral subscription in this process."""
        with self._lock:
            targets = list(self._referrals)
        for loop, queue in targets:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_offer, queue, event)

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

    def publish_announcement(self, event: dict) -> None:
        """Put an announcement notice on every announcements subscription in this process."""
        with self._lock:
            targets = list(self._announcements)
        for loop, queue in targets:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_offer, queue, dict(event))

    @contextlib.asynccontextmanager
    async def subscribe_announcements(self) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._announcements.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._announcements.discard(entry)

    def inbox_listeners(self) -> set[int]:
        """The users with an inboxUpdates subscription in this process."""
        with self._lock:
            return set(self._inboxes)

    def first_claim(self, key: str) -> bool:
        """True the first time ``key`` is claimed (this process remembers the last 100,000 keys)."""
        with self._lock:
            if key in self._claims:
                return False
            self._claims[key] = None
            if len(self._claims) > 100_000:
                self._claims.popitem(last=False)
            return True

    def publish_inbox(self, notices: Iterable[tuple[int, dict]]) -> None:
        """Put each (user id, notice) on that user's inbox subscriptions in this process."""
        with self._lock:
            targets = [(loop, queue, notice) for user_id, notice in notices
                       for loop, queue in self._inboxes.get(user_id, ())]
        for loop, queue, notice in targets:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_offer, queue, dict(notice))

    @contextlib.asynccontextmanager
    async def subscribe_inbox(self, user_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self._subscribed(self._inboxes, user_id) as queue:
            yield queue

    def publish(self, message_ids: Iterable[int]) -> None:
        ids = sorted(set(message_ids))
        with self._lock:
            targets = [(loop, queue, message_id) for message_id in ids
                       for loop, queue in self._subscribers.get(message_id, ())]
            targets += [(loop, queue, message_id) for loop, queue in self._any for message_id in ids]
        for loop, queue, message_id in targets:
            with contextlib.suppress(RuntimeError):  # the subscriber's loop has closed
                loop.call_soon_threadsafe(_offer, queue, message_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, message_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self._subscribed(self._subscribers, message_id) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe_any(self) -> AsyncIterator[asyncio.Queue]:
        """A queue of the id of every message that changes in this process."""
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._any.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._any.discard(entry)

    @contextlib.asynccontextmanager
    async def _subscribed(self, table: dict, key: int) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            table[key].add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                table[key].discard(entry)
                if not table[key]:
                    del table[key]


class RedisBus:
    """Production: one Redis pub/sub channel per message and one per user's inbox, heard through
    one Redis connection per process (event loop) that fans notices out to its local subscribers
    (domain.delivery.redis_listener)."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url)
        namespace = f"homeroom:{self._client.connection_pool.connection_kwargs.get('db', 0)}:"
        self.progress_prefix = namespace + "progress:"
        self.inbox_prefix = namespace + "inbox:"
        self._claim_prefix = namespace + "once:"
        #: One channel for every referral request (INB-09): a partner's behaviour module consumes it.
        self.referral_channel = namespace + "referrals"
        #: One channel for every announcement change (ANN-*): {"announcementId": n}, ids only.
        self.announcement_channel = namespace + "announcements"
        #: Every "message changed" notice again, as one JSON list of ids per publish (subscribe_any).
        self.any_channel = namespace + "messages"
        self._listeners: dict[asyncio.AbstractEventLoop, RedisListener] = {}
        self._listeners_lock = threading.Lock()

    def listener(self) -> RedisListener:
        """The running event loop's Redis connection and its local subscribers."""
        loop = asyncio.get_running_loop()
        with self._listeners_lock:
            for gone in [other for other in self._listeners if other.is_closed()]:
                del self._listeners[gone]
            if loop not in self._listeners:
                self._listeners[loop] = RedisListener(self.url)
            return self._listeners[loop]

    def publish_referral(self, event: dict) -> None:
        """A referral request on the referral channel, for any API process and any partner listening."""
        try:
            self._client.publish(self.referral_channel, json.dumps(event))
        except Exception:  # noqa: BLE001  (the referral_request row is the record)
            log.warning("could not publish a referral request", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe_referrals(self) -> AsyncIterator[asyncio.Queue]:
        async with self.listener().listen(self.referral_channel, json.loads) as queue:
            yield queue

    def publish_announcement(self, event: dict) -> None:
        """An announcement notice on the announcement channel, for any API process."""
        try:
            self._client.publish(self.announcement_channel, json.dumps(event))
        except Exception:  # noqa: BLE001  (a notice is a courtesy; the database has the truth)
            log.warning("could not publish an announcement notice", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe_announcements(self) -> AsyncIterator[asyncio.Queue]:
        async with self.listener().listen(self.announcement_channel, json.loads) as queue:
            yield queue

    def publish(self, message_ids: Iterable[int]) -> None:
        ids = sorted(set(message_ids))
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for message_id in ids:
                    pipe.publish(f"{self.progress_prefix}{message_id}", str(message_id))
                pipe.publish(self.any_channel, json.dumps(ids))
                pipe.execute()
        except Exception:  # noqa: BLE001  (a notice is a courtesy; the ledger has the truth)
            log.warning("could not publish progress notices", exc_info=True)

    def inbox_listeners(self) -> set[int] | None:
        """The users with an inboxUpdates subscription in any process (None: Redis did not say)."""
        try:
            channels = self._client.pubsub_channels(f"{self.inbox_prefix}*")
        except Exception:  # noqa: BLE001
            log.warning("could not list inbox listeners", exc_info=True)
            return None
        start = len(self.inbox_prefix)
        return {int(channel[start:]) for channel in channels if channel[start:].isdigit()}

    def first_claim(self, key: str) -> bool:
        """True the first time any process claims ``key`` (within CLAIM_SECONDS); True when Redis
        cannot say (a duplicate notice is harmless, a missing one is not)."""
        try:
            return bool(self._client.set(f"{self._claim_prefix}{key}", 1, nx=True, ex=CLAIM_SECONDS))
        except Exception:  # noqa: BLE001
            log.warning("could not claim %s", key, exc_info=True)
            return True

    def publish_inbox(self, notices: Iterable[tuple[int, dict]]) -> None:
        """One Redis channel per user: any API process serves that user's subscription. A large
        batch goes only to the users listening now, in pipelines of PIPELINE_CHUNK."""
        notices = list(notices)
        if len(notices) >= LISTENER_CHECK_FROM:
            listening = self.inbox_listeners()
            if listening is not None:
                notices = [(user_id, notice) for user_id, notice in notices if user_id in listening]
        try:
            for start in range(0, len(notices), PIPELINE_CHUNK):
                with self._client.pipeline(transaction=False) as pipe:
                    for user_id, notice in notices[start:start + PIPELINE_CHUNK]:
                        pipe.publish(f"{self.inbox_prefix}{user_id}", json.dumps(notice))
                    pipe.execute()
        except Exception:  # noqa: BLE001  (a notice is a courtesy; the database has the truth)
            log.warning("could not publish inbox notices", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe_inbox(self, user_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self.listener().listen(f"{self.inbox_prefix}{user_id}", _inbox_notice) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe(self, message_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self.listener().listen(f"{self.progress_prefix}{message_id}", lambda _: message_id) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe_any(self) -> AsyncIterator[asyncio.Queue]:
        """A queue of the id of every message that changes, from any process (RESYNC: some may
        have been missed)."""
        async with self.listener().listen(self.any_channel, _message_ids) as batches:
            queue: asyncio.Queue = asyncio.Queue()

            async def unbatch() -> None:
                while True:
                    batch = await batches.get()
                    for message_id in [RESYNC] if batch is RESYNC else batch:
                        _offer(queue, message_id)

            task = asyncio.create_task(unbatch())
            try:
                yield queue
            finally:
                task.cancel()


def _message_ids(data: bytes) -> list[int]:
    """A batch of message ids as publish sends it; anything else is a ValueError."""
    ids = json.loads(data)
    if not isinstance(ids, list) or not all(isinstance(message_id, int) for message_id in ids):
        raise ValueError("not a list of message ids")
    return ids


def _inbox_notice(data: bytes) -> dict:
    """A notice as published; anything else is a ValueError."""
    notice = json.loads(data)
    if not isinstance(notice, dict) or not isinstance(notice.get("change"), str):
        raise ValueError("not an inbox notice")
    return notice


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
