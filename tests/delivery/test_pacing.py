"""Pacing: a plugin's declared rate holds across worker processes (domain.delivery.sending.pacing)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from channels.base import ChannelKind
from channels.discard import DiscardChannel, DiscardConfig
from channels.registry import ChannelRegistry
from harness import REDIS_URL, RUN_DIR, USES_POSTGRES, USES_REDIS
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.sending.decisions import STEP_ASIDE_SECONDS
from domain.delivery.lanes import Lane
from domain.delivery.sending.pacing import (
    URGENT_ENTRY_SECONDS,
    LocalUrgentBoard,
    Pacer,
    RedisUrgentBoard,
    chunk_key,
    group_size,
    local_reserve,
)
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery, DeliveryAttempt
from jobs import enqueue_dispatch
from jobs.broker import LaneAwareRedisBroker, _middleware
from worker_processes import message_to_imported_phones, open_deliveries, redis_db_url, stop, wait_for

TESTS_DIR = Path(__file__).resolve().parents[1]  # tests/, where the workers import support modules from


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


def urgent_boards():
    boards = [LocalUrgentBoard()]
    if USES_REDIS:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.delete(RedisUrgentBoard.KEY)
        boards.append(RedisUrgentBoard(client))
    return boards


def test_the_urgent_board_holds_an_emergency_chunk_until_it_finishes_or_expires():
    """An announced emergency chunk holds other paced traffic back until its job takes it off the
    board, or, when the worker died, until the dispatch time limit has passed."""
    for board in urgent_boards():
        assert not board.pending(100.0)
        board.announce(["7", "9"], 100.0)
        board.finished("7")
        assert board.pending(100.0 + URGENT_ENTRY_SECONDS - 1)
        assert not board.pending(100.0 + URGENT_ENTRY_SECONDS + 1)  # its worker never finished it
        board.finished("9")
        assert not board.pending(100.0)


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


def arrival_times(arrivals: Path, references: set[str]) -> list[float]:
    return sorted(float(at) for at, reference in (line.split() for line in arrivals.read_text().splitlines())
                  if reference in references)


def statuses(engine, ids: list[int]) -> dict[str, int]:
    with session_scope(engine) as session:
        return dict(session.execute(select(Delivery.status, func.count()).where(Delivery.id.in_(ids))
                                    .group_by(Delivery.status)).all())


def test_emergency_sms_go_first_and_other_paced_traffic_steps_aside(engine, tmp_path):
    """CMP-07 within pacing: while an emergency's SMS are announced, a normal message's paced
    dispatch stops before its next group; the emergency then gets the provider's slots, and what
    the normal job had not sent goes back to the queue with no attempt spent. Sent again after the
    emergency, every normal SMS arrives exactly once, and the rate held throughout."""
    rate = 20.0
    board = LocalUrgentBoard()
    services = dataclasses.replace(current().delivery, pacer=Pacer(local_reserve(), board))
    arrivals = tmp_path / "arrivals.log"
    registry = ChannelRegistry({ChannelKind.SMS: DiscardChannel(DiscardConfig(rate_per_second=rate,
                                                                              arrivals=arrivals))})
    _, normal_ids = message_to_imported_phones(engine, 40, "+1773556")
    _, emergency_ids = message_to_imported_phones(engine, 10, "+1773557", emergency=True)

    normal_result = {}
    normal_job = threading.Thread(target=lambda: normal_result.update(
        result=dispatch_deliveries(engine, registry, normal_ids, services)))
    normal_job.start()
    time.sleep(0.5)  # ten normal SMS are out
    board.announce([chunk_key(emergency_ids)], time.time())
    emergency_result = dispatch_deliveries(engine, registry, emergency_ids, services)
    normal_job.join(10)
    stepped_aside = normal_result["result"].retry_ids
    # A normal chunk that starts while the emergency is still pending waits without being claimed.
    waiting = dispatch_deliveries(engine, registry, stepped_aside, services)
    assert (waiting.claimed, waiting.sent, waiting.retry_ids) == (0, 0, stepped_aside)
    board.finished(chunk_key(emergency_ids))

    assert emergency_result.sent == 10 and statuses(engine, emergency_ids) == {"SENT": 10}
    first_normal = normal_result["result"]
    assert first_normal.sent + len(stepped_aside) == 40 and 0 < first_normal.sent < 40
    assert first_normal.retry_delay_seconds == STEP_ASIDE_SECONDS
    normal_refs, emergency_refs = {str(i) for i in normal_ids}, {str(i) for i in emergency_ids}
    normal_times, emergency_times = arrival_times(arrivals, normal_refs), arrival_times(arrivals, emergency_refs)
    # At most the group the normal job had already reserved arrives once the emergency is sending.
    assert sum(1 for t in normal_times if t > emergency_times[0]) <= group_size(rate)
    with session_scope(engine) as session:
        back = session.execute(select(Delivery.status, Delivery.attempts, Delivery.not_before)
                               .where(Delivery.id.in_(stepped_aside))).all()
        attempts = session.execute(select(func.count()).select_from(DeliveryAttempt)
                                   .where(DeliveryAttempt.delivery_id.in_(stepped_aside))).scalar_one()
    assert {(status, tries) for status, tries, _ in back} == {("QUEUED", 0)} and attempts == 0
    assert all(not_before is not None for *_, not_before in back)

    again = dispatch_deliveries(engine, registry, stepped_aside, services)  # the job's retry, after the emergency
    assert again.sent == len(stepped_aside) and statuses(engine, normal_ids) == {"SENT": 40}
    received = [line.split()[1] for line in arrivals.read_text().splitlines()]
    assert sorted(received) == sorted(normal_refs | emergency_refs)  # each exactly once
    times = sorted(normal_times + emergency_times + arrival_times(arrivals, {str(i) for i in stepped_aside}))
    assert max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)) <= rate + group_size(rate)


@pytest.mark.skipif(not (USES_POSTGRES and USES_REDIS), reason="needs PostgreSQL, Redis and worker processes")
def test_two_workers_send_an_emergency_first_within_the_rate(engine, tmp_path):
    """CMP-07 within pacing, across processes: two workers with four threads each are busy with a
    normal message's paced SMS when an emergency's SMS are enqueued. Every thread steps aside, the
    emergency goes out at the provider's rate with at most one already-reserved group per thread
    in between, the normal SMS resume afterwards, and the declared rate holds throughout."""
    rate, normal_count, emergency_count, threads = 20.0, 120, 20, 8
    redis_url = redis_db_url(11)
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker.client.flushdb()
    arrivals = tmp_path / "arrivals.log"
    normal_message, normal_ids = message_to_imported_phones(engine, normal_count, "+1773558")
    emergency_message, emergency_ids = message_to_imported_phones(engine, emergency_count, "+1773559",
                                                                  emergency=True)
    workers = [start_paced_worker(redis_url, arrivals, rate) for _ in range(2)]
    try:
        enqueue_dispatch(((Lane.NORMAL, normal_ids[i:i + 10]) for i in range(0, normal_count, 10)), broker=broker)
        time.sleep(1.5)
        enqueued_at = time.time()
        enqueue_dispatch(((Lane.EMERGENCY, emergency_ids[i:i + 10]) for i in range(0, emergency_count, 10)),
                         broker=broker)
        wait_for(lambda: open_deliveries(engine, emergency_message) == 0, 60, "the emergency to settle")
        wait_for(lambda: open_deliveries(engine, normal_message) == 0, 120, "the normal message to settle")
        assert not broker.client.zcard(RedisUrgentBoard.KEY)  # each emergency chunk taken off the board
    finally:
        for worker in workers:
            stop(worker)
        broker.client.flushdb()
    normal_times = arrival_times(arrivals, {str(i) for i in normal_ids})
    emergency_times = arrival_times(arrivals, {str(i) for i in emergency_ids})
    assert len(normal_times) == normal_count and len(emergency_times) == emergency_count
    assert normal_times[-1] > emergency_times[-1]  # the normal message was still sending
    overtaken = sum(1 for t in normal_times if emergency_times[0] <= t <= emergency_times[-1])
    assert overtaken <= threads * group_size(rate), overtaken
    # The emergency's own pace: its SMS plus those reserved groups, at the rate, and a pickup.
    assert emergency_times[-1] - enqueued_at <= (emergency_count + threads * group_size(rate)) / rate + 1.5
    times = sorted(normal_times + emergency_times)
    most_in_a_second = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert most_in_a_second <= rate + group_size(rate), most_in_a_second
