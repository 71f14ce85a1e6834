"""The domain's JobQueue port (domain.delivery.policy.JobQueue), served by this package's actors:
the runtime's ``jobs``, through which domain actions start work once their transaction commits."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

import dramatiq

from channels.registry import ChannelRegistry
from domain.delivery.lanes import Lane
from domain.delivery.sending.pacing import UrgentBoard
from domain.delivery.policy import ChunkSizes
from jobs.broker import refusal_logged
from jobs.dispatch import enqueue_dispatch

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DramatiqJobQueue:
    """Enqueues on one broker, announcing emergency chunks on the board its workers read; chunk
    sizes from the registry's plugins and HOMEROOM_DISPATCH_BATCH_SIZE."""

    broker: dramatiq.Broker
    urgent: UrgentBoard
    registry: ChannelRegistry
    dispatch_batch_size: int

    def chunk_sizes(self) -> ChunkSizes:
        return ChunkSizes.for_plugins(self.registry, self.dispatch_batch_size)

    # Both run after the commit (domain.delivery.policy.after_commit): what they hand out is stored.
    # A broker that cannot take it (Redis away, a process with no such queue) is logged, never
    # raised: raised, it turned a stored send into INTERNAL_SERVER_ERROR (a sender would send it
    # again). The next queue run hands out what was lost (domain.delivery.queue_run).

    def dispatch(self, chunks: Iterable[tuple[Lane, list[int]]]) -> None:
        with refusal_logged(log, "dispatch jobs", "a commit", "hands them out"):
            enqueue_dispatch(chunks, broker=self.broker, urgent=self.urgent)

    def hand_on(self, message_id: int, lane: Lane) -> None:
        from jobs.hand_on import enqueue_hand_on  # the hand-on actor reads this class: imported when used

        with refusal_logged(log, "a hand-on job", "a commit", "hands the message on"):
            enqueue_hand_on(message_id, lane, broker=self.broker)
