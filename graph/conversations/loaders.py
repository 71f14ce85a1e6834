"""Loaders of conversation relations: each batch of parents costs one statement.

Neither caches: openThread and markMessageUnread change read state, and a request may read it
again afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from domain.conversations.threads.read_state import in_app_counts
from domain.conversations.threads.thread_pages import ChannelState, channel_states
from domain.reports.communication_report import readable_deliveries_of

if TYPE_CHECKING:
    from graph.context import Context


class InAppCountsByMessageLoader(DataLoader[tuple[int, int], tuple[int, int]]):
    """(read, unread) in-app rows of each message, keyed by (message id, sender id): someone else's
    message counts the viewer's readable deliveries only (read receipts)."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, keys: list[tuple[int, int]]) -> list[tuple[int, int]]:
        senders = dict(keys)
        counts = in_app_counts(self._context.session, list(senders),
                               readable_deliveries_of(self._context.viewer, senders))
        return [counts[message_id] for message_id, _ in keys]


class ChannelStatesByMessageLoader(DataLoader[tuple[int, int], list[ChannelState]]):
    """What became of each message on the external channels to one reader, keyed by (message id,
    reader user id) (INB-07, INB-08)."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, keys: list[tuple[int, int]]) -> list[list[ChannelState]]:
        states = channel_states(self._context.session, list(dict.fromkeys(keys)))
        return [states[key] for key in keys]
