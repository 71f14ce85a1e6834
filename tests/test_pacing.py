"""Pacing: a plugin's declared rate holds across worker processes (domain.pacing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from channels.base import ChannelKind
from conftest import REDIS_URL, RUN_DIR, USES_POSTGRES, USES_REDIS
from domain.lanes import Lane
from domain.pacing import Pacer, group_size, local_reserve
from jobs import enqueue_dispatch
from jobs.broker import LaneAwareRedisBroker, _middleware
from test_reliability import message_to_imported_phones, open_deliveries, redis_db_url, stop, wait_for

TESTS_DIR = Path(__file__).resolve().parent


def test_slots_are_spaced_by_the_rate_and_groups_wait_for_their_last_slot():
    """Two callers sharing a plugin's slots: each group waits until its last slot has come."""
    now = [100.0]
    slept = []
    pacer = Pacer(local_reserve(), sleep=lambda s: (slept.append(round(s, 3)), now.__setitem__(0, now[0] + s)),
                  clock=lambda: now[0])
    pacer.wait_for_slots("twilio", 10, 1)  # slot 100.0: no wait
    pacer.wait_for_slots("twilio", 10, 3)  # slots 100.1, 100.2, 100.3: wait until 100.3
    pacer.wait_for_slots("other", 10, 1)  # another plugin has its own slots
    pacer.wait_for_slots("twilio", 10, 1)  # slot 100.4
    assert slept == [0.3, 0.1]
    assert group_size(1) == 1 and group_size(25) == 2 and group_size(1000) == 100


def start_paced_worker(redis_url: str, arrivals: Path, rate: float) -> subprocess.Popen:
    env = {**os.environ, "HOMEROOM_REDIS_URL": redis_url,
           "HOMEROOM_CHANNEL_PLUGINS": json.dumps({kind.value: "discard" for kind in ChannelKind}),
           "HOMEROOM_PLUGIN_CONFIG": json.dumps({"discard": {"rate_per_second": rate, "arrivals": str(arrivals)}}),
           "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    log = open(RUN_DIR / f"pacing-worker-{time.monotonic_ns()}.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "homeroom.cli", "worker", "--processes", "1", "--threads", "4"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(2)
    assert process.poll() is None, "the worker did not start"
    return process


@pytest.mark.skipif(not (USES_POSTGRES and USES_REDIS), reason="needs PostgreSQL, Redis and worker processes")
def test_two_workers_never_exceed_the_declared_rate(engine, tmp_path):
    """120 SMS through a provider that declares 20 a second, dispatched by two worker processes
    with four threads each: in no second does the provider receive more than the rate plus one
    group, and the whole takes as long as the rate says."""
    rate, count = 20.0, 120
    redis_url = redis_db_url(11)
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker.client.flushdb()
    arrivals = tmp_path / "arrivals.log"
    message_id, ids = message_to_imported_phones(engine, count, "+1773555")
    workers = [start_paced_worker(redis_url, arrivals, rate) for _ in range(2)]
    try:
        enqueue_dispatch(((Lane.NORMAL, ids[i:i + 10]) for i in range(0, count, 10)), broker=broker)
        wait_for(lambda: open_deliveries(engine, message_id) == 0, 120, "every delivery to settle")
    finally:
        for worker in workers:
            stop(worker)
        broker.client.flushdb()
    times = sorted(float(line.split()[0]) for line in arrivals.read_text().splitlines())
    assert len(times) == count
    most_in_a_second = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert most_in_a_second <= rate + group_size(rate), most_in_a_second
    assert times[-1] - times[0] >= (count - group_size(rate)) / rate - 0.05
