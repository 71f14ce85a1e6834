"""One tail reader of the delivery feed per process (per event loop): it reads new events once per
wake-up and fans them out to its local followers, who each filter by their own scope in memory.

It wakes on the "message changed" notices the bus already carries (one pattern subscription with
Redis, whatever the number of followers), and polls: briefly while committed events wait behind a
transaction still running (they pass the horizon when it ends, which no notice announces), and
now and then while it has followers, for writers that publish no notice (a queue run releasing
deferred calls, recovery, in-app reads). Without followers it stops: idle costs nothing.

Each batch says the cursor range it covers, ``(start, end]``, and consecutive batches tile the
feed: a follower whose position is behind a batch's start reads the gap from the database itself
(domain.feed.follow). A follower's queue is bounded; when it is full the hub drops the
batch for that follower and marks it lagging, never waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import weakref
from collections.abc import Hashable
from typing import Any

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.feed.positions import FeedPosition
from domain.feed.reading import FeedEvent, head, read_page

log = logging.getLogger(__name__)

#: Events per hub read: a burst larger than this is read in several batches, back to back.
HUB_PAGE = 500
#: Batches a follower may hold unread; past that it is lagging and reads the database itself.
FOLLOWER_QUEUE = 64
#: Read again this soon while committed events wait behind a running transaction.
HELD_BACK_POLL_SECONDS = 0.25
#: And at least this often while anyone follows (writers that publish no notice).
IDLE_POLL_SECONDS = 2.0
#: After a notice, wait this long so a burst of notices becomes one read.
COALESCE_SECONDS = 0.02
RETRY_SECONDS = 1.0
#: Message access answers kept (domain.feed.follow); past this many they are all forgotten.
MESSAGE_ACCESS_KEPT = 100_000


@dataclasses.dataclass(frozen=True)
class Batch:
    """The events of the feed in ``(start, end]``, every one of them (no scope applied).

    ``views`` holds what followers made of it, per scope (FeedScope.share_key) and place in the
    batch: the first follower of a scope filters and presents the batch, the others of that scope
    await the same value, so a thousand followers of one key cost one filter and, downstream, one
    GraphQL execution and one encoding (graph.shared_results)."""

    start: FeedPosition
    end: FeedPosition
    events: tuple[FeedEvent, ...]
    views: dict[Hashable, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)


class Follower:
    """What the hub keeps of one follower: its bounded queue, and whether it missed a batch."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Batch] = asyncio.Queue(maxsize=FOLLOWER_QUEUE)
        self.lagging = False
        self.wake = asyncio.Event()

    def offer(self, batch: Batch) -> None:
        try:
            self.queue.put_nowait(batch)
        except asyncio.QueueFull:
            self.lagging = True
        self.wake.set()


class FeedHub:
    def __init__(self, engine: Engine, bus) -> None:
        self.engine = engine
        self.bus = bus
        self.followers: set[Follower] = set()
        self.position: FeedPosition | None = None
        self.reads = 0  # how many times the hub read the feed (tests and the benchmark look)
        #: What each scope may read of each message, (share key, message id) -> the lookup's
        #: future (domain.feed.follow): asked once per process, forgotten when nobody follows.
        self.message_access: dict[tuple[Hashable, int], asyncio.Future] = {}
        self._task: asyncio.Task | None = None

    @contextlib.asynccontextmanager
    async def follower(self):
        """A registered Follower for the block's life; the hub runs while anyone follows."""
        follower = Follower()
        self.followers.add(follower)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="delivery-feed-hub")
        try:
            yield follower
        finally:
            self.followers.discard(follower)
            if not self.followers:
                self.message_access.clear()
            if not self.followers and self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
                self._task = None

    async def _run(self) -> None:
        """Subscribe to the notices, then read and fan out at each wake-up; a failure (the database
        or Redis went away) is retried, and followers simply wait: the feed itself loses nothing."""
        self.position = None
        while True:
            try:
                async with self.bus.subscribe_any() as notices:
                    await self._follow(notices)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.warning("the delivery feed hub could not read the feed; trying again", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)

    async def _follow(self, notices: asyncio.Queue) -> None:
        held_back = False
        while True:
            if self.position is None:
                self.position = await anyio.to_thread.run_sync(self._head)
            else:
                held_back = await self._read_and_fan_out()
            try:
                await asyncio.wait_for(notices.get(), HELD_BACK_POLL_SECONDS if held_back else IDLE_POLL_SECONDS)
                await asyncio.sleep(COALESCE_SECONDS)
            except TimeoutError:
                pass
            while not notices.empty():
                notices.get_nowait()

    def _head(self) -> FeedPosition:
        with Session(self.engine) as session:
            return head(session)

    def _read(self, after: FeedPosition):
        with Session(self.engine) as session:
            return read_page(session, after=after, scope=None, limit=HUB_PAGE, report_held_back=True)

    async def _read_and_fan_out(self) -> bool:
        """Read everything new, batch by batch, handing each to every follower; True when events
        were held back behind a running transaction."""
        while True:
            assert self.position is not None
            page = await anyio.to_thread.run_sync(self._read, self.position)
            self.reads += 1
            if len(self.message_access) > MESSAGE_ACCESS_KEPT:
                self.message_access.clear()
            if page.events:
                batch = Batch(self.position, page.events[-1].position, tuple(page.events))
                self.position = batch.end
                for follower in list(self.followers):
                    follower.offer(batch)
            if not page.has_more:
                return page.held_back


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, int], FeedHub]] = \
    weakref.WeakKeyDictionary()


def hub_for(engine: Engine, bus) -> FeedHub:
    """This event loop's hub for ``bus`` and ``engine`` (one per process in production)."""
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    key = (id(engine), id(bus))
    if key not in hubs:
        hubs[key] = FeedHub(engine, bus)
    return hubs[key]
