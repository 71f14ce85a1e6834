"""The domain's JobQueue port (domain.delivery.policy.JobQueue), served by this package's actors."""

from __future__ import annotations

from collections.abc import Iterable

import dramatiq

from channels.registry import ChannelRegistry
from domain.delivery.lanes import Lane
from domain.delivery.policy import ChunkSizes
from homeroom.settings import get_settings
from jobs import runtime
from jobs.dispatch import enqueue_dispatch


class DramatiqJobQueue:
    """Enqueues on ``broker`` (default: the configured one); chunk sizes from ``registry``'s
    plugins (default: the configured ones) and HOMEROOM_DISPATCH_BATCH_SIZE."""

    def __init__(self, broker: dramatiq.Broker | None = None, registry: ChannelRegistry | None = None):
        self.broker = broker
        self.registry = registry

    def chunk_sizes(self) -> ChunkSizes:
        return ChunkSizes.for_plugins(self.registry or runtime.channel_registry(), get_settings().dispatch_batch_size)

    def dispatch(self, chunks: Iterable[tuple[Lane, list[int]]]) -> None:
        enqueue_dispatch(chunks, broker=self.broker)

    def hand_on(self, message_id: int, lane: Lane) -> None:
        from jobs.hand_on import enqueue_hand_on  # it builds this class: imported when first used

        enqueue_hand_on(message_id, lane, broker=self.broker)
