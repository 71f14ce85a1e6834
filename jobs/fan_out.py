"""fan_out_<lane>: turn a stored message into delivery rows, then hand them to its lane's dispatch."""

from __future__ import annotations

import dramatiq

from domain.delivery import progress_events
from domain.delivery.dispatch import complete_if_done
from domain.delivery.fan_out import fan_out, queued_chunks_by_channel
from domain.delivery.lanes import LANES_BY_URGENCY, Lane, lane_of
from jobs.dispatch import enqueue_dispatch
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Channel, Message


def _fan_out_actor(lane: Lane) -> dramatiq.Actor:
    def fan_out_message(message_id: int) -> None:
        """Idempotent: a second run writes no rows and only re-enqueues what is still queued. A
        message sent now already has its rows (written by the send request); this hands them on."""
        runtime = current()
        engine = runtime.engine
        with session_scope(engine) as session:
            fan_out(session, message_id)
        progress_events.publish(runtime.events, [message_id])
        registry = runtime.registry
        max_batch = min([runtime.settings.dispatch_batch_size]
                        + [registry.for_kind(k).capabilities.max_batch for k in registry.kinds()])
        with session_scope(engine) as session:
            message = session.get(Message, message_id)
            chunks = queued_chunks_by_channel(session, message_id, max_batch)
        # Chunks of the most urgent lane go first (an emergency's SMS before its email). Push is
        # sent only by queue runs (JOB-04).
        enqueue_dispatch(sorted(
            ((lane_of(emergency=message.emergency, priority=message.priority, channel=channel), ids)
             for channel, ids in chunks if channel != Channel.PUSH.value),
            key=lambda pair: LANES_BY_URGENCY.index(pair[0])), runtime.broker, runtime.pacer.urgent)
        if not chunks and complete_if_done(engine, message_id):
            progress_events.publish(runtime.events, [message_id])

    fan_out_message.__name__ = fan_out_message.__qualname__ = f"fan_out_{lane.value}"
    return dramatiq.actor(fan_out_message, actor_name=f"fan_out_{lane.value}", queue_name=f"fan_out_{lane.value}",
                          priority=lane.worker_priority, max_retries=5, time_limit=600_000)


FAN_OUT: dict[Lane, dramatiq.Actor] = {lane: _fan_out_actor(lane) for lane in Lane}


def enqueue_fan_out(message_id: int, lane: Lane, broker: dramatiq.Broker | None = None) -> None:
    actor = FAN_OUT[lane]
    (broker or actor.broker).enqueue(actor.message(message_id))
