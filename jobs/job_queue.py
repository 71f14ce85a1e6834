"""The runtime's job queue: how the API process hands work to the workers (``runtime.jobs``)."""

from __future__ import annotations

import dataclasses

import dramatiq

from domain.delivery.lanes import Lane
from domain.delivery.pacing import UrgentBoard
from jobs.dispatch import enqueue_dispatch
from jobs.fan_out import enqueue_fan_out


@dataclasses.dataclass(frozen=True)
class JobQueue:
    """Enqueues on one broker, announcing emergency chunks on the board its workers read."""

    broker: dramatiq.Broker
    urgent: UrgentBoard

    def enqueue_fan_out(self, message_id: int, lane: Lane) -> None:
        enqueue_fan_out(message_id, lane, broker=self.broker)

    def enqueue_dispatch(self, chunks) -> None:
        """``chunks``: (lane, delivery ids) pairs."""
        enqueue_dispatch(chunks, broker=self.broker, urgent=self.urgent)
