"""What a ``homeroom worker`` process loads (``python -m dramatiq homeroom.worker``): its runtime,
built from the environment and installed for the actors, whose broker Dramatiq then consumes; the
queues of the lanes it serves (``HOMEROOM_WORKER_LANES``, set by ``homeroom worker --lanes``, all
by default; jobs.worker_lanes), and a warm start (jobs.warm_up) before the first job."""

from __future__ import annotations

import os

from homeroom.log_redaction import install_redaction
from homeroom.runtime import start_runtime
from domain.delivery.lanes import Lane
from jobs.warm_up import warm_up
from jobs.worker_lanes import ALL_LANES, EmergencyFirst, LaneWorkers, lane_queues, parse_lanes, plan_queues

install_redaction()  # Dramatiq configured this process's logging before importing this module
runtime = start_runtime()
#: Dramatiq's CLI consumes this broker; the actors were moved onto it by start_runtime.
broker = runtime.broker
_lanes = parse_lanes(os.environ.get("HOMEROOM_WORKER_LANES") or ALL_LANES)
broker.add_middleware(LaneWorkers(plan_queues(_lanes, broker.get_declared_queues()),
                                  reserved_threads=int(os.environ.get("HOMEROOM_WORKER_EMERGENCY_THREADS") or 2)))
broker.add_middleware(EmergencyFirst(frozenset(lane_queues(Lane.EMERGENCY)), broker.doorbell))
warm_up(runtime)
