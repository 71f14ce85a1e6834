"""dispatch_<lane>: send one chunk of deliveries through the channel plugins, one actor per lane."""

from __future__ import annotations

import time

import dramatiq

from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.lanes import Lane
from domain.delivery.sending.pacing import RedisUrgentBoard, UrgentBoard, chunk_key
from jobs.runtime import current


def _dispatch_actor(lane: Lane) -> dramatiq.Actor:
    def dispatch(delivery_ids: list[int]) -> None:
        """Takes ids only; deliveries no longer QUEUED are skipped, so a repeat never double-sends."""
        runtime = current()
        try:
            result = dispatch_deliveries(runtime.engine, runtime.registry, delivery_ids, runtime.delivery)
        finally:
            if lane is Lane.EMERGENCY and delivery_ids:
                runtime.pacer.urgent.finished(chunk_key(delivery_ids))  # other paced traffic may go on
        if result.retry_ids:
            DISPATCH[lane].send_with_options(args=(result.retry_ids,), delay=int(result.retry_delay_seconds * 1000))

    dispatch.__name__ = dispatch.__qualname__ = f"dispatch_{lane.value}"
    return dramatiq.actor(dispatch, actor_name=f"dispatch_{lane.value}", queue_name=f"deliveries_{lane.value}",
                          priority=lane.worker_priority, max_retries=3, time_limit=300_000)


DISPATCH: dict[Lane, dramatiq.Actor] = {lane: _dispatch_actor(lane) for lane in Lane}


def enqueue_dispatch(chunks, broker: dramatiq.Broker | None = None, urgent: UrgentBoard | None = None) -> None:
    """``chunks``: (lane, delivery ids) pairs, sent to their lane's queue on ``broker`` (default
    the installed runtime's). Emergency chunks are announced first on ``urgent`` (default the board
    ``broker``'s workers read), so paced traffic steps aside for them (domain.delivery.sending.pacing)."""
    chunks = [(lane, ids) for lane, ids in chunks if ids]
    urgent_keys = [chunk_key(ids) for lane, ids in chunks if lane is Lane.EMERGENCY]
    if urgent_keys:
        (urgent or urgent_board(broker)).announce(urgent_keys, time.time())
    for lane, ids in chunks:
        actor = DISPATCH[lane]
        (broker or actor.broker).enqueue(actor.message(ids))


def urgent_board(broker: dramatiq.Broker | None) -> UrgentBoard:
    """The board the workers of ``broker`` read: its Redis, or this process's in embedded mode."""
    client = getattr(broker, "client", None)
    return RedisUrgentBoard(client) if client is not None else current().pacer.urgent
