"""Issue 20 points 4 and 6: a worker consumes only the lanes it serves, idles on a doorbell rather
than polling, and keeps threads for emergencies that a normal chunk can never hold (CMP-07)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, insert, select, update

from channels.base import ChannelKind
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.delivery.lanes import Lane
from domain.messages.send import save_draft
from harness import RUN_DIR, USES_POSTGRES, USES_REDIS
from jobs import enqueue_dispatch
from jobs.broker import LaneAwareRedisBroker, _middleware
from jobs.doorbell import FALLBACK_POLL_SECONDS
from jobs.worker_lanes import EmergencyFirst, UnknownLane, parse_lanes, plan_queues
from models.db import session_scope
from models.messaging import Delivery, DeliveryAttempt, ImportedRecipient, Message
from resolve import request, viewer_for
from worker_processes import redis_db_url, stop, wait_for

TESTS_DIR = Path(__file__).resolve().parents[1]
DECLARED = {"hand_on_emergency", "hand_on_priority", "hand_on_normal", "deliveries_emergency",
            "deliveries_priority", "deliveries_normal", "webhooks", "printing"}
needs_redis = pytest.mark.skipif(not USES_REDIS, reason="needs Redis")
needs_workers = pytest.mark.skipif(not (USES_POSTGRES and USES_REDIS), reason="needs PostgreSQL, Redis and workers")


def test_cmp_07_lanes_map_to_queues_and_an_unknown_lane_is_refused():
    """CMP-07: a lane is served by its hand-on and dispatch queues; webhooks and printing go with
    normal; with emergency and another lane, the emergency queues get a reserve of their own."""
    assert parse_lanes(" Priority,emergency ") == (Lane.EMERGENCY, Lane.PRIORITY)
    emergency_only = plan_queues(parse_lanes("emergency"), DECLARED)
    assert emergency_only.main == {"hand_on_emergency", "deliveries_emergency"} and not emergency_only.reserved
    everything = plan_queues(parse_lanes("emergency,priority,normal"), DECLARED)
    assert everything.reserved == {"hand_on_emergency", "deliveries_emergency"}
    assert everything.main == DECLARED - everything.reserved
    assert plan_queues(parse_lanes("priority"), DECLARED).main == {"hand_on_priority", "deliveries_priority"}
    for bad in ("emergency,urgent", "", " , "):
        with pytest.raises(UnknownLane, match="the lanes are emergency,priority,normal"):
            parse_lanes(bad)


def test_cmp_07_other_jobs_wait_while_an_emergency_runs_or_was_just_rung():
    """CMP-07: a job outside the emergency queues waits to start while this process runs an
    emergency job, and for ring_hold seconds after any process rang an emergency queue."""
    doorbell = types.SimpleNamespace(heard={})
    first = EmergencyFirst(frozenset({"deliveries_emergency"}), doorbell, ring_hold=0.5)
    now = time.monotonic()
    assert not first.held(now)
    doorbell.heard["deliveries_normal"] = now
    assert not first.held(now)
    doorbell.heard["deliveries_emergency"] = now
    assert first.held(now + 0.4) and not first.held(now + 0.6)
    emergency = types.SimpleNamespace(queue_name="deliveries_emergency")
    first.before_process_message(None, emergency)
    assert first.held(now + 0.6)
    first.after_process_message(None, emergency)
    assert not first.held(now + 0.6)


def test_homeroom_worker_refuses_an_unknown_lane():
    """`homeroom worker --lanes` names the unknown lane and the choices, and starts nothing."""
    finished = subprocess.run([sys.executable, "-m", "homeroom.cli", "worker", "--lanes", "emergency,urgent"],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "HOMEROOM_REDIS_URL": "redis://127.0.0.1:9/0"})
    assert finished.returncode == 1
    assert "invalid --lanes: unknown lane 'urgent'; the lanes are emergency,priority,normal" in finished.stderr


@pytest.fixture
def probe_broker():
    """A doorbell broker on a Redis database of its own, one actor recording when it ran, and an
    in-process Dramatiq worker consuming it."""
    broker = LaneAwareRedisBroker(url=redis_db_url(14), namespace="homeroom-probe", middleware=_middleware())
    broker.client.flushdb()
    ran: list[float] = []
    done = threading.Event()

    def probe(sent_at: float) -> None:
        ran.append(time.time() - sent_at)
        done.set()

    actor = dramatiq.actor(probe, broker=broker, actor_name="probe", queue_name="probe")
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    assert broker.doorbell.listening.wait(5), "the doorbell never subscribed"
    try:
        yield broker, actor, ran, done
    finally:
        worker.stop()
        broker.close()
        broker.client.flushdb()


@needs_redis
def test_an_idle_worker_is_woken_by_the_doorbell_at_once(probe_broker):
    """Issue 20 point 4: a job enqueued to an idle queue runs well within 100 ms, though the idle
    consumer only polls Redis every FALLBACK_POLL_SECONDS."""
    broker, actor, ran, done = probe_broker
    for _ in range(5):
        time.sleep(0.3)  # idle: the consumer is waiting on its bell
        done.clear()
        actor.send(time.time())
        assert done.wait(FALLBACK_POLL_SECONDS), "not picked up"
    assert sorted(ran)[2] < 0.1, ran  # the median; a shared machine may delay one


@needs_redis
def test_a_job_whose_ring_was_missed_is_found_by_the_fallback_poll(probe_broker):
    """Issue 20 point 4: a job pushed to Redis without ringing (as a ring lost with Redis would be)
    still runs, after at most the fallback poll; the queue in Redis is the truth."""
    broker, actor, ran, done = probe_broker
    time.sleep(0.3)
    RedisBroker.enqueue(broker, actor.message(time.time()))  # Dramatiq's own enqueue: no ring
    assert done.wait(FALLBACK_POLL_SECONDS + 2), "a job without a ring was never picked up"
    assert ran[0] > 0.1, "picked up at once: this test no longer bypasses the doorbell"


def _message_to_imported(engine, channel: str, addresses: list[str], **fields) -> tuple[int, list[int]]:
    with session_scope(engine) as session:
        message = save_draft(session, viewer_for(session, "admin"), request(channels=(channel,), **fields))
        column = "email" if channel == "EMAIL" else "phone"
        session.execute(insert(ImportedRecipient), [
            {"message_id": message.id, "name": f"Guardian {n}", column: address, "source_row": n + 1}
            for n, address in enumerate(addresses)])
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))
        fan_out(session, message.id)
        ids = [i for chunk in queued_delivery_chunks(session, message.id, 10**9) for i in chunk]
    assert len(ids) == len(addresses)
    return message.id, ids


def _statuses(engine, ids: list[int]) -> list[str]:
    with session_scope(engine) as session:
        return list(session.execute(select(Delivery.status).where(Delivery.id.in_(ids))).scalars())


def _attempts(engine, ids: list[int]) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(DeliveryAttempt)
                               .where(DeliveryAttempt.delivery_id.in_(ids))).scalar_one()


def _start_worker(redis_url: str, tmp_path: Path, *options: str) -> subprocess.Popen:
    """A `homeroom worker` whose email is slow (discard, 8 s a batch) and whose SMS is quick (outbox)."""
    plugins = {kind.value: "discard" for kind in ChannelKind} | {"sms": "outbox"}
    env = {**os.environ, "HOMEROOM_REDIS_URL": redis_url, "HOMEROOM_CHANNEL_PLUGINS": json.dumps(plugins),
           "HOMEROOM_PLUGIN_CONFIG": json.dumps({"discard": {"latency_ms": 8000},
                                                 "outbox": {"directory": str(tmp_path / "outbox")}}),
           "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    log = open(RUN_DIR / f"lanes-worker-{time.monotonic_ns()}.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "homeroom.cli", "worker", "--processes", "1", *options],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(3)
    assert process.poll() is None, "the worker did not start"
    return process


@needs_workers
def test_cmp_07_a_worker_for_the_emergency_lane_consumes_only_its_queues(engine, tmp_path):
    """CMP-07: `homeroom worker --lanes emergency` sends an emergency SMS and leaves a normal job
    in Redis, untouched, past its fallback poll."""
    redis_url = redis_db_url(14)
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker.client.flushdb()
    _, normal_ids = _message_to_imported(engine, "SMS", ["+17735550100"])
    _, emergency_ids = _message_to_imported(engine, "SMS", ["+17735550101"], emergency=True)
    worker = _start_worker(redis_url, tmp_path, "--lanes", "emergency")
    try:
        enqueue_dispatch([(Lane.NORMAL, normal_ids), (Lane.EMERGENCY, emergency_ids)], broker=broker)
        wait_for(lambda: _attempts(engine, emergency_ids) == 1, 15, "the emergency SMS to be attempted")
        time.sleep(FALLBACK_POLL_SECONDS + 0.5)
        assert _statuses(engine, normal_ids) == ["QUEUED"]
        assert broker.client.hlen("homeroom:deliveries_normal.msgs") == 1  # still waiting in its queue
    finally:
        stop(worker)
        broker.client.flushdb()


@needs_workers
def test_cmp_07_an_emergency_runs_while_every_normal_thread_holds_a_slow_chunk(engine, tmp_path):
    """CMP-07: with both of a worker's threads inside a normal email chunk that takes 8 s, an
    emergency SMS enqueued afterwards is attempted on a thread kept for the emergency lane, long
    before either chunk finishes."""
    redis_url = redis_db_url(14)
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker.client.flushdb()
    _, normal_ids = _message_to_imported(engine, "EMAIL", [f"family{n}@example.org" for n in range(4)])
    _, emergency_ids = _message_to_imported(engine, "SMS", ["+17735550102"], emergency=True)
    worker = _start_worker(redis_url, tmp_path, "--threads", "2", "--emergency-threads", "1")
    try:
        enqueue_dispatch(((Lane.NORMAL, normal_ids[i:i + 1]) for i in range(4)), broker=broker)
        wait_for(lambda: _statuses(engine, normal_ids).count("SENDING") == 2, 10, "both threads to hold a chunk")
        sent_at = time.monotonic()
        enqueue_dispatch([(Lane.EMERGENCY, emergency_ids)], broker=broker)
        wait_for(lambda: _attempts(engine, emergency_ids) == 1, 6, "the emergency SMS to be attempted")
        assert time.monotonic() - sent_at < 4
        assert _statuses(engine, normal_ids).count("SENDING") == 2  # the normal chunks are still in hand
    finally:
        stop(worker)
        broker.client.flushdb()
