"""One follower of the delivery feed: replay from a position in pages, then stream the hub's
batches, with no loss or repeat across the handoff.

The follower keeps the position up to which it has looked at the feed. A hub batch entirely behind
it is skipped; one that overlaps it contributes only its events after it; one that starts after it
means a gap (the follower registered while the hub was ahead, or it lagged and batches were
dropped), and the follower reads ``(position, batch end]`` from the database itself. A follower
marked lagging with nothing left queued reads the database up to the present before waiting again.

Scope: a partner key's schools are tested in memory; a staff user's messages through what they
may read of each message, asked in SQL once per (scope, message) in the process (the hub keeps it). A message they may read
only in part (another's message: recipients in their scope) sends that batch to the database,
where the scope is one set-based statement. ``authorize`` is called before each step and returns
the scope as it stands (it ends the stream by raising when access is gone); a changed scope has
another share key, so it asks afresh.

What a follower yields is a slice: the events it may see, oldest first, and the position up to
which it has looked (every event up to it was shown or is not the viewer's), made by ``present``
(a FeedSlice unless the caller presents them itself: the GraphQL subscription builds its frame).
A hub batch is filtered and presented once per scope (FeedScope.share_key) and the value shared
by every follower of that scope that was at the batch's start (Batch.views).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.feed.hub import Batch, FeedHub
from domain.feed.positions import FeedPosition
from domain.feed.reading import FeedEvent, FeedPage, head, read_page
from domain.feed.scope import FeedScope, MessageAccess, message_access

#: Events per database page while replaying or filling a gap.
REPLAY_PAGE = 500
_NEEDS_THE_DATABASE = object()


@dataclasses.dataclass(frozen=True, eq=False)
class FeedSlice:
    """Events a follower may see, oldest first (never empty), and the position it has looked up to."""

    events: tuple[FeedEvent, ...]
    end: FeedPosition


def _slice(events: Sequence[FeedEvent], end: FeedPosition) -> FeedSlice:
    return FeedSlice(tuple(events), end)


class FeedFollower:
    def __init__(self, engine: Engine, hub: FeedHub, *, after: FeedPosition | None,
                 authorize: Callable[[], Awaitable[FeedScope]], limiter: anyio.CapacityLimiter | None = None,
                 present: Callable[[Sequence[FeedEvent], FeedPosition], Any] = _slice):
        self.engine = engine
        self.present = present
        self.hub = hub
        self.position = after
        self.authorize = authorize
        self.limiter = limiter
        self.database_reads = 0
        self.times_lagged = 0  # how often the hub dropped batches for this follower (tests look)

    async def events(self) -> AsyncIterator[Any]:
        """Slices (``present(events, end)``) in feed order, each after the last; forever (the
        caller ends it)."""
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

    async def _take(self, batch: Batch) -> AsyncIterator[Any]:
        assert self.position is not None
        if batch.end <= self.position:
            return
        scope = await self.authorize()
        if batch.start > self.position:  # a gap before this batch: the database has it
            key = (scope.share_key, self.position, "gap")
            fill = batch.views.get(key)
            if fill is None:  # followers of one scope that registered together fill it once
                fill = batch.views[key] = asyncio.ensure_future(self._fill(scope, self.position, batch.end))
            for page in await asyncio.shield(fill):
                yield page
            self.position = batch.end
            return
        # Followers of one scope at the same place in the batch (its start, usually) see the same:
        # the first of them filters and presents it, the others await the same view.
        key = (scope.share_key, self.position)
        view = batch.views.get(key)
        if view is None:
            fresh = batch.events if batch.start == self.position else \
                [event for event in batch.events if event.position > self.position]
            view = batch.views[key] = asyncio.ensure_future(self._view(scope, fresh, batch.end))
        shown = await asyncio.shield(view)
        if shown is _NEEDS_THE_DATABASE:
            async for page in self._catch_up(batch.end):
                yield page
            return
        self.position = batch.end
        if shown is not None:
            yield shown

    async def _view(self, scope: FeedScope, events: Sequence[FeedEvent], end: FeedPosition) -> Any:
        """What ``scope`` shows of ``events`` up to ``end``, presented; None when nothing, and
        _NEEDS_THE_DATABASE when deciding needs the database's set-based scope."""
        shown = await self._filter(scope, list(events))
        if shown is None:
            return _NEEDS_THE_DATABASE
        return self.present(shown, end) if shown else None

    async def _filter(self, scope: FeedScope, events: list[FeedEvent]) -> list[FeedEvent] | None:
        """The events ``scope`` shows, in memory; None when one needs the database to decide."""
        events = [event for event in events if scope.school_matches(event.school_id)]
        if scope.by_school or not events:
            return events
        access = await self._message_access(scope, {event.message_id for event in events})
        if any(access[event.message_id] is MessageAccess.SOME_DELIVERIES for event in events):
            return None
        return [event for event in events if access[event.message_id] is MessageAccess.EVERY_DELIVERY]

    async def _message_access(self, scope: FeedScope, message_ids: set[int]) -> dict[int, MessageAccess]:
        """What the scope may read of each message, asked in SQL once per (scope, message) in this
        process: the hub keeps the answers, so a thousand followers of one scope meeting a new
        message make one query, not a thousand."""
        known = self.hub.message_access
        unknown = {message_id for message_id in message_ids if (scope.share_key, message_id) not in known}
        if unknown:
            lookup = asyncio.ensure_future(self._in_thread(self._read_message_access, scope, unknown))
            known.update({(scope.share_key, message_id): lookup for message_id in unknown})
        try:
            return {message_id: (await asyncio.shield(known[(scope.share_key, message_id)]))[message_id]
                    for message_id in message_ids}
        except Exception:
            for message_id in unknown:  # asked again next time
                known.pop((scope.share_key, message_id), None)
            raise

    async def _catch_up(self, until: FeedPosition | None) -> AsyncIterator[Any]:
        """Read the database from the position (to ``until``, or to the present) in pages."""
        async for events, end in self._pages(self.position, until):
            self.position = end
            if events:
                yield self.present(events, end)

    async def _fill(self, scope: FeedScope, start: FeedPosition, until: FeedPosition) -> list:
        """The slices of ``(start, until]`` the scope shows, read from the database in pages."""
        return [self.present(events, end) async for events, end in self._pages(start, until, scope) if events]

    async def _pages(self, start: FeedPosition, until: FeedPosition | None, scope: FeedScope | None = None
                     ) -> AsyncIterator[tuple[list[FeedEvent], FeedPosition]]:
        """(events, the position read up to) for each page after ``start`` (to ``until``, or to the
        present), within ``scope`` or, without one, the scope as it stands at each page."""
        position = start
        while True:
            page = await self._in_thread(self._read, scope or await self.authorize(), position, until)
            position = page.events[-1].position if page.events else position
            if not page.has_more and until is not None:
                position = max(position, until)
            yield page.events, position
            if not page.has_more:
                return

    async def _in_thread(self, function, *args):
        return await anyio.to_thread.run_sync(function, *args, limiter=self.limiter)

    def _head(self) -> FeedPosition:
        with Session(self.engine) as session:
            return head(session)

    def _read(self, scope: FeedScope, after: FeedPosition, until: FeedPosition | None) -> FeedPage:
        self.database_reads += 1
        with Session(self.engine) as session:
            return read_page(session, after=after, scope=scope, limit=REPLAY_PAGE, until=until)

    def _read_message_access(self, scope: FeedScope, message_ids: set[int]) -> dict[int, MessageAccess]:
        with Session(self.engine) as session:
            return message_access(session, scope.viewer, message_ids)
