"""Which queues a worker process consumes for the lanes it serves (``homeroom worker --lanes``), and
the threads it keeps for the emergency lane alone (CMP-07).

- A lane's queues are its hand-on and dispatch queues (``hand_on_<lane>``, ``deliveries_<lane>``),
  each with its Dramatiq delay queue.
- The queues outside the lanes (webhooks, printing) go with the normal lane: a worker serving
  only urgent lanes keeps every thread for them, so a deployment runs at least one worker
  serving ``normal``.
- A process serving the emergency lane and others runs a second, small Dramatiq worker that
  consumes the emergency queues alone: an emergency job never waits for a thread holding a
  normal chunk. The main worker then leaves the emergency queues to it, since jobs it prefetched
  would wait for its busy threads.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

import dramatiq
from dramatiq.middleware import Middleware

from domain.delivery.lanes import LANES_BY_URGENCY, Lane

log = logging.getLogger(__name__)

ALL_LANES = ",".join(lane.value for lane in LANES_BY_URGENCY)


class UnknownLane(ValueError):
    """``--lanes`` named something that is not a lane."""


def parse_lanes(text: str) -> tuple[Lane, ...]:
    """``emergency,priority`` → its lanes, most urgent first; an unknown or empty list raises
    ``UnknownLane`` naming the choices."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    known = {lane.value: lane for lane in Lane}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        what = f"unknown lane {', '.join(repr(name) for name in unknown)}" if unknown else "no lane given"
        raise UnknownLane(f"{what}; the lanes are {ALL_LANES} (comma-separated)")
    return tuple(lane for lane in LANES_BY_URGENCY if lane in {known[name] for name in names})


def lane_queues(lane: Lane) -> set[str]:
    """The job queues of one lane."""
    return {f"hand_on_{lane.value}", f"deliveries_{lane.value}"}


@dataclasses.dataclass(frozen=True)
class QueuePlan:
    """What one worker process consumes: ``main`` on its main Dramatiq worker, ``reserved`` on a
    small worker of its own (empty: none)."""

    main: frozenset[str]
    reserved: frozenset[str]


def plan_queues(lanes: tuple[Lane, ...], declared: set[str]) -> QueuePlan:
    """The plan for serving ``lanes`` given the ``declared`` queues (the broker's, without delay queues)."""
    lane_queue_names = {queue for lane in Lane for queue in lane_queues(lane)}
    served = {queue for lane in lanes for queue in lane_queues(lane)}
    if Lane.NORMAL in lanes:
        served |= declared - lane_queue_names  # webhooks, printing
    reserved = lane_queues(Lane.EMERGENCY) if Lane.EMERGENCY in lanes and len(lanes) > 1 else set()
    return QueuePlan(main=frozenset(served - reserved), reserved=frozenset(reserved))


class LaneWorkers(Middleware):
    """Gives the process's main Dramatiq worker the queue whitelist of ``plan`` (unless it was
    started with ``--queues`` of its own) and starts beside it, when the plan reserves queues, a
    worker of ``reserved_threads`` threads consuming only those; stops it with the main one."""

    def __init__(self, plan: QueuePlan, reserved_threads: int):
        self.plan = plan
        self.reserved_threads = reserved_threads
        self.reserve: dramatiq.Worker | None = None

    def before_worker_boot(self, broker, worker) -> None:
        if worker is not self.reserve and not worker.consumer_whitelist:
            worker.consumer_whitelist = set(self.plan.main)  # read by Worker.start as it adds consumers

    def after_worker_boot(self, broker, worker) -> None:
        if worker is self.reserve or self.reserve is not None or not self.plan.reserved:
            return
        self.reserve = dramatiq.Worker(broker, queues=set(self.plan.reserved), worker_threads=self.reserved_threads)
        self.reserve.start()
        log.info("%d threads reserved for %s", self.reserved_threads, ", ".join(sorted(self.plan.reserved)))

    def before_worker_shutdown(self, broker, worker) -> None:
        if self.reserve is not None and worker is not self.reserve:
            self.reserve.stop()


class EmergencyFirst(Middleware):
    """Emergency jobs run on a quiet machine: a thread starts no other job (for at most
    ``hold_seconds``) while this process runs a job of ``urgent_queues``, nor for ``ring_hold``
    seconds after the ``doorbell`` rang for one of them in any process. With two CPUs and one
    interpreter lock per process, an emergency's hand-on and send otherwise ran five to ten times
    slower beside eight normal chunks (one family's hand-on: 0.08 s alone, 0.38-0.57 s in
    bench/emergency.py). A chunk already running finishes; nothing is dropped, only started later."""

    def __init__(self, urgent_queues: frozenset[str], doorbell=None, *, ring_hold: float = 0.5,
                 hold_seconds: float = 5.0):
        self.urgent_queues = urgent_queues
        self.doorbell = doorbell
        self.ring_hold = ring_hold
        self.hold_seconds = hold_seconds
        self._running = 0
        self._lock = threading.Lock()

    def held(self, now: float) -> bool:
        """Whether a job that is not urgent should wait at ``now`` (time.monotonic())."""
        if self._running:
            return True
        heard = self.doorbell.heard if self.doorbell is not None else {}
        return any(now - heard.get(queue, -1e9) < self.ring_hold for queue in self.urgent_queues)

    def before_process_message(self, broker, message) -> None:
        if message.queue_name in self.urgent_queues:
            with self._lock:
                self._running += 1
            return
        deadline = time.monotonic() + self.hold_seconds
        while self.held(now := time.monotonic()) and now < deadline:
            time.sleep(0.01)

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if message.queue_name in self.urgent_queues:
            with self._lock:
                self._running -= 1

    after_skip_message = after_process_message
