"""The doorbell: one Redis pub/sub subscription per worker process that wakes the idle consumer of
a queue as soon as a job is pushed to it, so idle consumers need not poll Redis every 100 ms.

The broker rings after each enqueue (``ring``), publishing the queue's name on one channel; the
process's listener thread sets the wake-up event of every consumer of that queue. A consumer
waits on its event with a long fallback timeout (``FALLBACK_POLL_SECONDS``) and then fetches
again, so a lost ring (Redis restarting, a job pushed by something that does not ring, a message
requeued by Dramatiq's maintenance) only delays a job, never loses it: the queue in Redis is the
truth, and the database's queue run re-dispatches anything lost on the way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

import redis

log = logging.getLogger(__name__)

#: How long an idle consumer waits for a ring before fetching anyway. Also bounds how long a job
#: that arrived without a ring waits; Dramatiq's heartbeat (60 s) is refreshed by these fetches.
FALLBACK_POLL_SECONDS = 2.0
#: How long the listener waits for a ring before checking it should stop; no Redis traffic.
_LISTEN_SECONDS = 1.0
_RECONNECT_SECONDS = 1.0


class Doorbell:
    """Rings (publishes) and hears (one listener thread, started by the first ``bell``) the wake-ups
    of one broker's queues."""

    def __init__(self, client: redis.Redis, channel: str):
        self.client = client
        self.channel = channel
        self._bells: dict[str, set[threading.Event]] = defaultdict(set)
        #: time.monotonic() of the last ring heard for each queue (jobs.worker_lanes.EmergencyFirst).
        self.heard: dict[str, float] = {}
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Set while the listener is subscribed; tests wait on it before they ring.
        self.listening = threading.Event()

    def ring(self, queue_name: str) -> None:
        """Wake the idle consumers of ``queue_name`` in every process. The job is already in Redis:
        a ring that fails is logged and dropped, and the consumers' fallback poll finds the job."""
        try:
            self.client.publish(self.channel, queue_name)
        except redis.RedisError as error:
            log.debug("doorbell for %s not rung (%s); the fallback poll will find the job", queue_name,
                      type(error).__name__)

    def bell(self, queue_name: str) -> threading.Event:
        """A new wake-up event for one consumer of ``queue_name``, set whenever that queue is rung."""
        event = threading.Event()
        with self._lock:
            self._bells[queue_name].add(event)
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen, name="doorbell", daemon=True)
                self._listener.start()
        return event

    def forget(self, queue_name: str, event: threading.Event) -> None:
        """Stop waking ``event`` (its consumer closed)."""
        with self._lock:
            self._bells[queue_name].discard(event)

    def wake(self, queue_name: str) -> None:
        """Set the events of this process's consumers of ``queue_name``."""
        self.heard[queue_name] = time.monotonic()
        with self._lock:
            events = list(self._bells.get(queue_name, ()))
        for event in events:
            event.set()

    def wake_all(self) -> None:
        """Wake every consumer of this process (shutting down: they stop without waiting out a poll)."""
        with self._lock:
            events = [event for bells in self._bells.values() for event in bells]
        for event in events:
            event.set()

    def close(self) -> None:
        """Stop the listener thread (within about a second)."""
        self._stopping.set()
        self.wake_all()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                self.listening.set()
                # A ring missed while (re)subscribing is covered by waking everyone once now.
                self.wake_all()
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=_LISTEN_SECONDS)
                    if message is not None and message["type"] == "message":
                        self.wake(message["data"].decode())
            except redis.RedisError as error:
                self.listening.clear()
                log.warning("doorbell listener lost Redis (%s); consumers fall back to polling every %.0f s "
                            "until it reconnects", type(error).__name__, FALLBACK_POLL_SECONDS)
                self._stopping.wait(_RECONNECT_SECONDS)
            finally:
                try:
                    pubsub.close()
                except redis.RedisError:
                    pass
        self.listening.clear()
