"""One follower of the delivery feed: replay from a position in pages, then stream the hub's
batches, with no loss or repeat across the handoff.

The follower keeps the position up to which it has looked at the feed. A hub batch entirely behind
it is skipped; one that overlaps it contributes only its events after it; one that starts after it
means a gap (the follower registered while the hub was ahead, or it lagged and batches were
dropped), and the follower reads ``(position, batch end]`` from the database itself. A follower
marked lagging with nothing left queued reads the database up to the present before waiting again.

Scope: a partner key's schools are tested in memory; a staff user's messages through a cache of
what they may read of each message, asked in SQL once per new message id. A message they may read
only in part (another's message: recipients in their scope) sends that batch to the database,
where the scope is one set-based statement. ``authorize`` is called before each step and returns
the scope as it stands (it ends the stream by raising when access is gone); a changed scope
empties the cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.feed.hub import Batch, FeedHub
from domain.feed.positions import FeedPosition
from domain.feed.reading import FeedEvent, FeedPage, head, read_page
from domain.feed.scope import FeedScope, MessageAccess, message_access

#: Events per database page while replaying or filling a gap.
REPLAY_PAGE = 500


class FeedFollower:
    def __init__(self, engine: Engine, hub: FeedHub, *, after: FeedPosition | None,
                 authorize: Callable[[], Awaitable[FeedScope]], limiter: anyio.CapacityLimiter | None = None):
        self.engine = engine
        self.hub = hub
        self.position = after
        self.authorize = authorize
        self.limiter = limiter
        self.database_reads = 0
        self.times_lagged = 0  # how often the hub dropped batches for this follower (tests look)
        self._scope: FeedScope | None = None
        self._access: dict[int, MessageAccess] = {}

    async def events(self) -> AsyncIterator[list[FeedEvent]]:
        """Lists of events in feed order, each after the last; forever (the caller ends it)."""
        async with self.hub.follower() as follower:
            if self.position is None:
                self.position = await self._in_thread(self._head)
            async for events in self._catch_up(None):
                yield events
            while True:
                if follower.lagging and follower.queue.empty():
                    follower.lagging = False
                    self.times_lagged += 1
                    async for events in self._catch_up(None):
                        yield events
                    continue
                batch = await follower.queue.get()
                async for events in self._take(batch):
                    yield events

    async def _take(self, batch: Batch) -> AsyncIterator[list[FeedEvent]]:
        assert self.position is not None
        if batch.end <= self.position:
            return
        scope = await self._current_scope()
        if batch.start > self.position:  # a gap before this batch: the database has it
            async for events in self._catch_up(batch.end):
                yield events
            return
        fresh = [event for event in batch.events if event.position > self.position]
        shown = await self._filter(scope, fresh)
        if shown is None:
            async for events in self._catch_up(batch.end):
                yield events
            return
        self.position = batch.end
        if shown:
            yield shown

    async def _filter(self, scope: FeedScope, events: list[FeedEvent]) -> list[FeedEvent] | None:
        """The events ``scope`` shows, in memory; None when one needs the database to decide."""
        events = [event for event in events if scope.school_matches(event.school_id)]
        if scope.by_school or not events:
            return events
        unknown = {event.message_id for event in events} - self._access.keys()
        if unknown:
            self._access.update(await self._in_thread(self._message_access, scope, unknown))
        if any(self._access[event.message_id] is MessageAccess.SOME_DELIVERIES for event in events):
            return None
        return [event for event in events if self._access[event.message_id] is MessageAccess.EVERY_DELIVERY]

    async def _catch_up(self, until: FeedPosition | None) -> AsyncIterator[list[FeedEvent]]:
        """Read the database from the position (to ``until``, or to the present) in pages."""
        while True:
            scope = await self._current_scope()
            page = await self._in_thread(self._read, scope, until)
            if page.events:
                self.position = page.events[-1].position
                yield page.events
            if not page.has_more:
                if until is not None:
                    self.position = max(self.position, until)
                return

    async def _current_scope(self) -> FeedScope:
        scope = await self.authorize()
        if scope != self._scope:
            self._scope, self._access = scope, {}
        return scope

    async def _in_thread(self, function, *args):
        return await anyio.to_thread.run_sync(function, *args, limiter=self.limiter)

    def _head(self) -> FeedPosition:
        with Session(self.engine) as session:
            return head(session)

    def _read(self, scope: FeedScope, until: FeedPosition | None) -> FeedPage:
        assert self.position is not None
        self.database_reads += 1
        with Session(self.engine) as session:
            return read_page(session, after=self.position, scope=scope, limit=REPLAY_PAGE, until=until)

    def _message_access(self, scope: FeedScope, message_ids: set[int]) -> dict[int, MessageAccess]:
        with Session(self.engine) as session:
            return message_access(session, scope.viewer, message_ids)
