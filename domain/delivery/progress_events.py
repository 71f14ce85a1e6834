"""The event bus: "message N changed" notices from whoever changes deliveries (fan-out, dispatch,
the queue run) to whoever streams progress (the messageProgress subscription), and "your inbox
changed" notices (a small JSON object per user) for the inboxUpdates subscription.

A notice carries only ids; subscribers read what they show from the database, which stays the
source of truth, so a lost or coalesced notice costs at most a little latency. With Redis the
notices go through Redis pub/sub, so any API process can serve any subscriber whichever worker
did the work; in embedded mode they stay in the process.

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

log = logging.getLogger(__name__)

#: A subscriber's queue holds at most this many notices; past that they are dropped and one
#: RESYNC takes their place (the subscriber re-reads the database, which has the truth).
QUEUE_LIMIT = 1_000
#: Put on a subscriber's queue when notices may have been lost (a full queue, a Redis reconnect).
RESYNC = None
#: Notices per Redis pipeline: 100k readers of one message go in 20 round trips.
PIPELINE_CHUNK = 5_000
#: A batch this large first asks Redis who is listening (one PUBSUB CHANNELS) and publishes only
#: to them: most of 100k readers of a message are not online.
LISTENER_CHECK_FROM = 50
#: How long a "once" claim lasts (first_claim): longer than any job's retries.
CLAIM_SECONDS = 86_400
RECONNECT_SECONDS = 1.0


def inbox_notice(change: str, *, thread_id: int | None = None, message_id: int | None = None) -> dict:
    """The JSON object an inbox notice carries: what changed and where, never content."""
    return {"change": change, "threadId": thread_id, "messageId": message_id}


def _offer(queue: asyncio.Queue, item) -> None:
    """Queue ``item`` for a subscriber; past QUEUE_LIMIT, a single RESYNC stands for what is dropped."""
    if queue.qsize() < QUEUE_LIMIT:
        queue.put_nowait(item)
    elif queue.qsize() == QUEUE_LIMIT:
        queue.put_nowait(RESYNC)


class InProcessBus:
    """Embedded mode: subscribers are asyncio queues of this process; publish from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
        self._inboxes: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
        self._claims: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._referrals: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._every_message: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()

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
        message_ids = set(message_ids)
        with self._lock:
            targets = [(loop, queue, message_id) for message_id in message_ids
                       for loop, queue in self._subscribers.get(message_id, ())]
            targets += [(loop, queue, message_id) for loop, queue in self._every_message for message_id in message_ids]
        for loop, queue, message_id in targets:
            with contextlib.suppress(RuntimeError):  # the subscriber's loop has closed
                loop.call_soon_threadsafe(_offer, queue, message_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, message_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self._subscribed(self._subscribers, message_id) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe_every_message(self) -> AsyncIterator[asyncio.Queue]:
        """Every "message N changed" notice of this process (the delivery feed's hub wakes on them)."""
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._every_message.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._every_message.discard(entry)

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
    """Production: one Redis pub/sub channel per message and one per user's inbox."""

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

    def publish_referral(self, event: dict) -> None:
        """A referral request on the referral channel, for any API process and any partner listening."""
        try:
            self._client.publish(self.referral_channel, json.dumps(event))
        except Exception:  # noqa: BLE001  (the referral_request row is the record)
            log.warning("could not publish a referral request", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe_referrals(self) -> AsyncIterator[asyncio.Queue]:
        async with self._listen(self.referral_channel, json.loads) as queue:
            yield queue

    def publish(self, message_ids: Iterable[int]) -> None:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for message_id in set(message_ids):
                    pipe.publish(f"{self.progress_prefix}{message_id}", str(message_id))
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
        async with self._listen(f"{self.inbox_prefix}{user_id}", _inbox_notice) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe(self, message_id: int) -> AsyncIterator[asyncio.Queue]:
        async with self._listen(f"{self.progress_prefix}{message_id}", lambda _: message_id) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def subscribe_every_message(self) -> AsyncIterator[asyncio.Queue]:
        """Every "message N changed" notice of any process, through one pattern subscription (the
        delivery feed's hub: one per API process, whatever its number of followers)."""
        async with self._listen(f"{self.progress_prefix}*", int, pattern=True) as queue:
            yield queue

    @contextlib.asynccontextmanager
    async def _listen(self, channel: str, decode, *, pattern: bool = False) -> AsyncIterator[asyncio.Queue]:
        """A queue fed from ``channel`` (a glob pattern when ``pattern``) until the block ends;
        subscribed before the block starts. A lost connection is re-established (a RESYNC marks
        the gap); an undecodable notice is dropped."""
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        subscribe = pubsub.psubscribe if pattern else pubsub.subscribe
        await subscribe(channel)
        queue: asyncio.Queue = asyncio.Queue()

        async def pump() -> None:
            while True:
                try:
                    async for item in pubsub.listen():
                        if item.get("type") not in ("message", "pmessage"):
                            continue
                        try:
                            _offer(queue, decode(item["data"]))
                        except ValueError:
                            log.warning("dropped an undecodable notice on %s", channel)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001  (Redis went away: subscribe again when it is back)
                    log.warning("lost the subscription to %s; subscribing again", channel, exc_info=True)
                await asyncio.sleep(RECONNECT_SECONDS)
                with contextlib.suppress(Exception):
                    await subscribe(channel)
                    _offer(queue, RESYNC)

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()


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
