"""Loaders for a message's relations: each batch of parents costs one statement.

Neither caches across loads: a mutation can change a message's files or deliveries and the same
request may read them again afterwards (mutations run in order), so only the batching is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from domain.delivery.attempts import Attempt, attempts_by_delivery
from domain.messages.attachments import listed
from domain.reports.communication_report import status_counts
from models.attachments import MessageAttachment

if TYPE_CHECKING:
    from graph.context import Context


class AttachmentsByMessageIdLoader(DataLoader[int, list[MessageAttachment]]):
    """The files of each message (without their bytes), in id order."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, message_ids: list[int]) -> list[list[MessageAttachment]]:
        found = listed(self._context.session, list(dict.fromkeys(message_ids)))
        return [found[message_id] for message_id in message_ids]


class DeliveryCountsByMessageLoader(DataLoader[tuple[int, int | None], dict[str, int]]):
    """Deliveries per status of each message, keyed by (message id, sender id): someone else's
    message counts the viewer's readable deliveries only (readable_deliveries)."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, keys: list[tuple[int, int | None]]) -> list[dict[str, int]]:
        counts = status_counts(self._context.session, self._context.viewer, dict(keys))
        return [counts[message_id] for message_id, _ in keys]


class AttemptsByDeliveryIdLoader(DataLoader[int, list[Attempt]]):
    """The attempt history of each delivery of a page (issue 17 point 3): one statement per page."""

    def __init__(self, context: Context):
        super().__init__(self._load, cache=False)
        self._context = context

    async def _load(self, delivery_ids: list[int]) -> list[list[Attempt]]:
        found = attempts_by_delivery(self._context.session, delivery_ids)
        return [found.get(delivery_id, []) for delivery_id in delivery_ids]
