"""The Dramatiq broker: Redis when ``HOMEROOM_REDIS_URL`` is set, else an in-process stub broker
whose worker runs inside the serving process (embedded mode)."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from homeroom.settings import get_settings


def _middleware() -> list:
    # Results and Prometheus are left out: the database is the record, not the queue.
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), Retries(max_retries=5)]


class LaneAwareRedisBroker(RedisBroker):
    """Idle consumers poll Redis at most every 100 ms instead of backing off to the worker's
    one-second timeout, so an emergency arriving on an idle lane is picked up at once."""

    IDLE_POLL_MS = 100

    def consume(self, queue_name, prefetch=1, timeout=5000):
        return super().consume(queue_name, prefetch=prefetch, timeout=min(timeout, self.IDLE_POLL_MS))


def make_broker() -> dramatiq.Broker:
    settings = get_settings()
    if settings.redis_url:
        return LaneAwareRedisBroker(url=settings.redis_url, namespace="homeroom", middleware=_middleware())
    broker = StubBroker(middleware=_middleware())
    broker.emit_after("process_boot")
    return broker


broker = make_broker()
dramatiq.set_broker(broker)


def start_in_process_worker(threads: int | None = None) -> dramatiq.Worker:
    """Embedded mode: run the actors on threads of this process."""
    worker = dramatiq.Worker(broker, worker_threads=threads or get_settings().worker_threads, worker_timeout=100)
    worker.start()
    return worker
