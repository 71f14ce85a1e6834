"""Webhook actors, on their own queue (``webhooks``) so a slow or dead partner server never holds
a dispatch worker's lane: ``send_webhook`` (one attempt of one message, then its retry),
``emit_message_completed`` and ``pump_webhooks`` (domain.webhooks). Actors take ids and are
idempotent: a message already delivered, not yet due or being sent elsewhere is left alone."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Collection

import dramatiq

from domain.webhooks.events import emit_completed
from domain.webhooks.feed import SETTLE_SECONDS
from domain.webhooks.pump import pump
from domain.webhooks.sending import send_message
from jobs.broker import refusal_logged
from jobs.runtime import current
from models.db import session_scope, utcnow

QUEUE = "webhooks"
#: httpx logs every request's URL at INFO, and the worker logs INFO: a receiver's URL may carry a
#: token in its query string, and URLs stay out of logs (secrets never in logs).
logging.getLogger("httpx").setLevel(logging.WARNING)
log = logging.getLogger(__name__)
#: Dispatch asks for a pump after every chunk it records; it runs this long after, once the feed
#: shows the chunk's changes (domain.webhooks.feed.SETTLE_SECONDS), one per process at a time.
PUMP_DELAY_SECONDS = SETTLE_SECONDS + 1.0


#: Runs after the dispatch lanes' jobs a worker holds (domain.delivery.lanes: 0, 10, 20).
PRIORITY = 50
#: A send that finds its process's webhook threads busy comes back this much later.
BUSY_DELAY_MS = 500
_senders: threading.BoundedSemaphore | None = None
_senders_lock = threading.Lock()


def _sender_slots(worker_threads: int) -> threading.BoundedSemaphore:
    """At most half of a process's worker threads (at least one) wait on partners' servers, so a
    dead receiver (each attempt holding a thread until the timeout) never starves dispatch."""
    global _senders
    with _senders_lock:
        if _senders is None:
            _senders = threading.BoundedSemaphore(max(1, worker_threads // 2))
        return _senders


@dramatiq.actor(actor_name="send_webhook", queue_name=QUEUE, priority=PRIORITY, max_retries=3, time_limit=120_000)
def send_webhook(message_id: int, resend: bool = False) -> None:
    runtime = current()
    slots = _sender_slots(runtime.settings.worker_threads)
    if not slots.acquire(blocking=False):
        send_webhook.send_with_options(args=(message_id, resend), delay=BUSY_DELAY_MS)
        return
    try:
        outcome = send_message(runtime.engine, message_id, runtime.webhooks, resend=resend)
    finally:
        slots.release()
    if outcome.retry_in is not None:
        send_webhook.send_with_options(args=(message_id,), delay=int(outcome.retry_in * 1000))


@dramatiq.actor(actor_name="emit_message_completed", queue_name=QUEUE, priority=PRIORITY, max_retries=5, time_limit=120_000)
def emit_message_completed(message_ids: list[int]) -> None:
    runtime = current()
    with session_scope(runtime.engine) as session:
        written = emit_completed(session, message_ids, utcnow())
    _send_all(written)


@dramatiq.actor(actor_name="pump_webhooks", queue_name=QUEUE, priority=PRIORITY, max_retries=0, time_limit=300_000)
def pump_webhooks() -> None:
    runtime = current()
    pump(runtime.engine, runtime.webhooks, runtime.webhook_jobs)


def _send_all(message_ids: Collection[int], resend: bool = False, broker: dramatiq.Broker | None = None) -> None:
    target = broker or send_webhook.broker
    for message_id in message_ids:
        target.enqueue(send_webhook.message(message_id, resend))


_pump_lock = threading.Lock()
#: When the pump this process last asked for runs (monotonic seconds).
_pump_runs_at = 0.0


def _pump_delay(now: float) -> float | None:
    """The delay of a new pump, or None when the one already asked for will see today's changes:
    a pump sees the feed's changes older than SETTLE_SECONDS, so it runs that long after them."""
    global _pump_runs_at
    with _pump_lock:
        if _pump_runs_at >= now + SETTLE_SECONDS:
            return None
        _pump_runs_at = now + PUMP_DELAY_SECONDS
        return PUMP_DELAY_SECONDS


@dataclasses.dataclass(frozen=True)
class DramatiqWebhookJobs:
    """domain.webhooks.jobs.WebhookJobs on ``broker``."""

    broker: dramatiq.Broker

    def send(self, message_ids: Collection[int], *, resend: bool = False) -> None:
        _send_all(message_ids, resend, self.broker)

    def messages_completed(self, message_ids: Collection[int]) -> None:
        if message_ids:
            self.broker.enqueue(emit_message_completed.message(sorted(message_ids)))

    def pump(self, delay_seconds: float = 0) -> None:
        self.broker.enqueue(pump_webhooks.message(), delay=int(delay_seconds * 1000) or None)

    def ledger_changed(self, message_ids: Collection[int], completed_ids: Collection[int]) -> None:
        """What dispatch calls after recording outcomes (domain.delivery.services): the completed
        messages' event job, and one pump shortly after (coalesced per process). Enqueues only, and
        never fails the dispatch that calls it: what it could not enqueue (Redis away, a broker
        without these actors) the next queue run's pump makes good, from the database."""
        with refusal_logged(log, "webhook jobs", "a dispatch", "catches up"):
            self.messages_completed(completed_ids)
            delay = _pump_delay(time.monotonic()) if message_ids else None
            if delay is not None:
                self.pump(delay)
