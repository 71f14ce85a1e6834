"""The Dramatiq broker: Redis when ``HOMEROOM_REDIS_URL`` is set, else an in-process stub broker
whose worker runs inside the serving process (embedded mode). The shell's runtime makes it
(``make_broker``); actors are declared on ``placeholder`` at import and moved onto the runtime's
broker when it is installed (jobs.runtime.install). On Redis, idle consumers wait for their
queue's doorbell (jobs.doorbell) rather than polling."""

from __future__ import annotations

import contextlib
import heapq
import logging
import time
from collections.abc import Iterator

import dramatiq
import redis
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from jobs.doorbell import FALLBACK_POLL_SECONDS, Doorbell


def _middleware() -> list:
    # Results and Prometheus are left out: the database is the record, not the queue.
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), Retries(max_retries=5)]


class LaneAwareRedisBroker(RedisBroker):
    """Rings the doorbell (jobs.doorbell) of the queue each job is pushed to, and hands its workers
    consumers that sleep until their queue rings (or a fallback poll) instead of polling Redis every
    100 ms: the idle cost of a worker no longer grows with the number of lanes, and a job enqueued to
    an idle lane is still picked up at once."""

    def __init__(self, **options):
        super().__init__(**options)
        self.doorbell = Doorbell(self.client, f"{self.namespace}:doorbell")

    @property
    def consumer_class(self):
        return DoorbellConsumer

    def enqueue(self, message, *, delay=None):
        enqueued = super().enqueue(message, delay=delay)
        self.doorbell.ring(enqueued.queue_name)  # the delay queue's name when delayed
        return enqueued

    def close(self) -> None:
        self.doorbell.close()
        super().close()


class DoorbellConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, idling on its queue's doorbell rather than on a short sleep. It also
    wakes when one of its jobs is acknowledged (a prefetch slot is free) and, on a delay queue, when
    the earliest job it holds falls due, so neither waits out the fallback poll."""

    def __init__(self, broker, queue_name, prefetch, timeout):
        super().__init__(broker, queue_name, prefetch, timeout)
        self.doorbell: Doorbell = broker.doorbell
        self.bell = self.doorbell.bell(queue_name)
        self.due: list[tuple[float, str]] = []  # (eta in ms, message id) of delayed jobs handed out

    def ack(self, message):
        try:
            super().ack(message)
        finally:
            self.bell.set()

    def nack(self, message):
        try:
            super().nack(message)
        finally:
            self.bell.set()

    def close(self):
        self.doorbell.forget(self.queue_name, self.bell)
        super().close()

    def __next__(self):
        try:
            while True:
                if self.message_cache:
                    data = self.message_cache.pop(0)
                    if data is None:
                        continue
                    message = Message.decode(data)
                    self.queued_message_ids.add(message.message_id)
                    eta = message.options.get("eta")
                    if isinstance(eta, (int, float)):
                        heapq.heappush(self.due, (eta, message.message_id))
                    return MessageProxy(message)
                if self.outstanding_message_count < self.prefetch:
                    self.message_cache = self.broker.do_fetch(
                        self.queue_name, self.prefetch - self.outstanding_message_count)
                    if self.message_cache:
                        continue
                self.bell.wait(self.idle_seconds())
                self.bell.clear()  # a ring after the wait is not lost: the next call fetches first
                return None  # Dramatiq's consumer thread moves due delayed jobs, then calls again
        except redis.ConnectionError as error:
            raise ConnectionClosed(error) from None

    def idle_seconds(self) -> float:
        """Until the fallback poll, or sooner when a delayed job this consumer holds falls due."""
        while self.due and self.due[0][1] not in self.queued_message_ids:
            heapq.heappop(self.due)  # already moved on and acknowledged
        if not self.due:
            return FALLBACK_POLL_SECONDS
        return min(FALLBACK_POLL_SECONDS, max(0.0, (self.due[0][0] - time.time() * 1000) / 1000))


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
