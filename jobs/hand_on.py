"""hand_on_<lane>: hand a stored message's queued deliveries to its lanes' dispatch jobs, first
writing its rows when it has none yet (a scheduled message at its queue run; a message sent now
had them written by its request); then the out-of-office answers of its absent readers (SET-08).

Every message passes through this job once its rows are committed, so it is where delivery and
conversations meet: delivery may not import conversations (domain.conversations sits above it),
and a job may import both."""

from __future__ import annotations

import dramatiq

from domain.conversations.replies.out_of_office import answer_out_of_office
from domain.delivery.fan_out import hand_on
from domain.delivery.lanes import Lane
from jobs.runtime import current


def _hand_on_actor(lane: Lane) -> dramatiq.Actor:
    def hand_on_message(message_id: int, translation_attempt: int = 0) -> None:
        """Idempotent: a second run writes no rows and only hands on what is still queued. A busy
        translator (TRN-01) runs the job again after its Retry-After, counting the attempts."""
        runtime = current()
        wait = hand_on(runtime.engine, runtime.jobs, runtime.events, message_id, translator=runtime.translator,
                       translation_attempt=translation_attempt)
        if wait is not None:
            HAND_ON[lane].send_with_options(args=(message_id, translation_attempt + 1), delay=int(wait * 1000))
            return
        answer_out_of_office(runtime.engine, message_id=message_id, jobs=runtime.jobs, events=runtime.events)

    hand_on_message.__name__ = hand_on_message.__qualname__ = f"hand_on_{lane.value}"
    return dramatiq.actor(hand_on_message, actor_name=f"hand_on_{lane.value}", queue_name=f"hand_on_{lane.value}",
                          priority=lane.worker_priority, max_retries=5, time_limit=600_000)


HAND_ON: dict[Lane, dramatiq.Actor] = {lane: _hand_on_actor(lane) for lane in Lane}


def enqueue_hand_on(message_id: int, lane: Lane, broker: dramatiq.Broker | None = None) -> None:
    actor = HAND_ON[lane]
    (broker or actor.broker).enqueue(actor.message(message_id))
