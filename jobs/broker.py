"""The Dramatiq broker: Redis when ``HOMEROOM_REDIS_URL`` is set, else an in-process stub broker
whose worker runs inside the serving process (embedded mode). The shell's runtime makes it
(``make_broker``); actors are declared on ``placeholder`` at import and moved onto the runtime's
broker when it is installed (jobs.runtime.install)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit


def _middleware() -> list:
    # Results and Prometheus are left out: the database is the record, not the queue.
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), Retries(max_retries=5)]


class LaneAwareRedisBroker(RedisBroker):
    """Idle consumers poll Redis at most every 100 ms instead of backing off to the worker's
    one-second timeout, so an emergency arriving on an idle lane is picked up at once."""

    IDLE_POLL_MS = 100

    def consume(self, queue_name, prefetch=1, timeout=5000):
        return super().consume(queue_name, prefetch=prefetch, timeout=min(timeout, self.IDLE_POLL_MS))


@contextlib.contextmanager
def refusal_logged(log: logging.Logger, jobs: str, after: str, recovery: str) -> Iterator[None]:
    """Enqueue ``jobs`` after ``after`` (work already committed): a broker that refuses them (Redis
    away, a process without their queues) is logged on ``log`` with the error's type alone, never
    raised, since ``recovery`` by the next queue run makes good what was lost."""
    try:
        yield
    except Exception as error:  # noqa: BLE001
        log.warning("%s not enqueued after %s (%s); the next queue run %s", jobs, after, type(error).__name__,
                    recovery)


def make_broker(redis_url: str | None) -> dramatiq.Broker:
    """Redis at ``redis_url``, or (None) a stub broker for the in-process worker."""
    if redis_url:
        return LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker = StubBroker(middleware=_middleware())
    broker.emit_after("process_boot")
    return broker


#: Where actors are declared at import: Dramatiq binds an actor to a broker when it is declared,
#: and the runtime (which knows the real broker) is built later, by the shell.
placeholder = StubBroker(middleware=_middleware())
dramatiq.set_broker(placeholder)


def start_in_process_worker(broker: dramatiq.Broker, threads: int) -> dramatiq.Worker:
    """Embedded mode: run the actors on threads of this process."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
