"""Losing nothing, sending nothing twice: real PostgreSQL, real Redis, real worker processes.

Each test runs its own worker processes on a Redis database (or server) of its own, with the
``discard`` plugin as the provider: it takes its time (``latency_ms``) and journals every reference
it accepts, one line each, so the journal is what the provider received.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from channels.base import ChannelKind
from channels.discard import DiscardChannel, DiscardConfig
from channels.registry import ChannelRegistry
from harness import RUN_DIR, USES_POSTGRES, USES_REDIS
from domain.delivery.lanes import Lane
from domain.messages.send import save_draft
from jobs import HAND_ON, enqueue_dispatch
from jobs.broker import LaneAwareRedisBroker, _middleware
from jobs.queue_clock import queue_tick
from models.db import session_scope, utcnow
from models.messaging import Delivery, ImportedRecipient, Message
from resolve import request, viewer_for
from worker_processes import kill_hard, message_to_imported_phones, open_deliveries, redis_db_url, stop, wait_for

pytestmark = pytest.mark.skipif(not (USES_POSTGRES and USES_REDIS), reason="needs PostgreSQL and Redis")

TESTS_DIR = Path(__file__).resolve().parents[1]  # tests/, where the workers import support modules from
LATER = dt.timedelta(minutes=11)  # past every stale/stuck threshold of the queue run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(redis_url: str, journal: Path, latency_ms: int, *modules: str) -> subprocess.Popen:
    env = {**os.environ, "HOMEROOM_REDIS_URL": redis_url,
           "HOMEROOM_CHANNEL_PLUGINS": json.dumps({kind.value: "discard" for kind in ChannelKind}),
           "HOMEROOM_PLUGIN_CONFIG": json.dumps({"discard": {"latency_ms": latency_ms, "journal": str(journal)}}),
           "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    command = ([sys.executable, "-m", "dramatiq", "homeroom.worker", *modules] if modules
               else [sys.executable, "-m", "homeroom.cli", "worker"]) + ["--processes", "1", "--threads", "4"]
    log = open(RUN_DIR / f"reliability-worker-{time.monotonic_ns()}.log", "w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(2)
    assert process.poll() is None, "the worker did not start"
    return process


def journal_lines(journal: Path) -> list[str]:
    return journal.read_text().split() if journal.exists() else []


def wait_until_quiet(journal: Path, seconds: float = 1.5) -> None:
    """Until the provider has received nothing new for ``seconds`` (in-flight jobs are done)."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < seconds:
        now = len(journal_lines(journal))
        if now != last:
            last, since = now, time.monotonic()
        time.sleep(0.1)


def assert_each_sent_exactly_once(engine, message_id: int, ids: list[int], journal: Path) -> None:
    received = collections.Counter(journal_lines(journal))
    assert max(received.values()) == 1, "the provider received a delivery twice"
    with session_scope(engine) as session:
        statuses = collections.Counter(session.execute(select(Delivery.status).where(
            Delivery.message_id == message_id)).scalars())
        message = session.execute(select(Message.status, Message.open_deliveries).where(
            Message.id == message_id)).one()
    assert statuses == {"SENT": len(ids)}, statuses
    # (The queue run may also have handed this worker other tests' leftover queued deliveries.)
    assert {str(i) for i in ids} <= set(received)
    assert tuple(message) == ("COMPLETED", 0)


def discard_registry(journal: Path) -> ChannelRegistry:
    plugin = DiscardChannel(DiscardConfig(journal=journal))
    return ChannelRegistry({kind: plugin for kind in ChannelKind})


def test_job_05_kill_9_mid_dispatch_then_restart_sends_each_delivery_once(engine, tmp_path):
    """Covers JOB-05: a worker killed with SIGKILL in the middle of a 10,000-recipient dispatch,
    then a restart and a queue run: every delivery ends in exactly one terminal state (SENT), and
    the provider saw each delivery id at most once: deliveries the crash left in SENDING are
    reconciled with the provider's record, not blindly resent."""
    redis_url = redis_db_url(13)
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker.client.flushdb()
    journal = tmp_path / "provider.journal"
    message_id, ids = message_to_imported_phones(engine, 10_000, "+1872555")
    first = start_worker(redis_url, journal, latency_ms=150)
    try:
        enqueue_dispatch(((Lane.NORMAL, ids[i:i + 100]) for i in range(0, len(ids), 100)), broker=broker)
        wait_for(lambda: len(journal_lines(journal)) >= 2_000, 120, "the first worker to get going")
    finally:
        kill_hard(first)
    interrupted = open_deliveries(engine, message_id)
    assert 0 < interrupted < len(ids)
    with session_scope(engine) as session:
        stuck = session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id, Delivery.status == "SENDING")).scalar_one()
    due = queue_tick(now=utcnow() + LATER, broker=broker, registry=discard_registry(journal))
    assert stuck > 0 and due.chunks  # the crash left claimed deliveries behind; the run picked them up
    second = start_worker(redis_url, journal, latency_ms=0)
    try:
        wait_for(lambda: open_deliveries(engine, message_id) == 0, 180, "every delivery to settle")
        queue_tick(now=utcnow() + LATER, broker=broker, registry=discard_registry(journal))  # finds nothing more
        wait_until_quiet(journal)
    finally:
        stop(second)
    assert_each_sent_exactly_once(engine, message_id, ids, journal)
    broker.client.flushdb()


def test_job_05_every_job_processed_twice_still_sends_once(engine, tmp_path):
    """Covers JOB-05: with a middleware that puts every finished job back on its queue (fan-out
    and each dispatch chunk all run twice), provider calls still equal recipients."""
    redis_url = redis_db_url(12)
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    broker.client.flushdb()
    journal = tmp_path / "provider.journal"
    with session_scope(engine) as session:
        message = save_draft(session, viewer_for(session, "admin"), request(channels=("SMS",)))
        session.execute(insert(ImportedRecipient), [
            {"message_id": message.id, "name": f"Guardian {n}", "phone": f"+1873555{n:05d}", "source_row": n + 1}
            for n in range(1_000)])
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))  # as sendDraft
    worker = start_worker(redis_url, journal, 0, "process_every_message_twice")
    try:
        broker.enqueue(HAND_ON[Lane.NORMAL].message(message.id))
        wait_for(lambda: open_deliveries(engine, message.id) == 0 and len(journal_lines(journal)) >= 1_000, 120,
                 "the message to be sent")
        wait_until_quiet(journal)
    finally:
        stop(worker)
    with session_scope(engine) as session:
        ids = list(session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalars())
    assert_each_sent_exactly_once(engine, message.id, ids, journal)
    broker.client.flushdb()


def test_job_05_redis_restarted_mid_dispatch_loses_nothing_and_doubles_nothing(engine, tmp_path):
    """Covers JOB-05: Redis (no persistence) is killed and restarted empty in the middle of a
    dispatch; the worker reconnects, the queue run re-dispatches what the lost jobs carried from
    the database, and every delivery is sent exactly once."""
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()

    def start_redis() -> subprocess.Popen:
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(data)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 10, "redis to listen")
        return server

    redis_url = f"redis://127.0.0.1:{port}/0"
    server = start_redis()
    broker = LaneAwareRedisBroker(url=redis_url, namespace="homeroom", middleware=_middleware())
    journal = tmp_path / "provider.journal"
    message_id, ids = message_to_imported_phones(engine, 3_000, "+1874555")
    worker = start_worker(redis_url, journal, latency_ms=100)
    try:
        enqueue_dispatch(((Lane.NORMAL, ids[i:i + 50]) for i in range(0, len(ids), 50)), broker=broker)
        wait_for(lambda: len(journal_lines(journal)) >= 500, 120, "dispatch to get going")
        server.kill()
        server.wait(timeout=10)
        time.sleep(1)
        server = start_redis()  # empty: every job still queued is gone
        wait_until_quiet(journal)
        assert open_deliveries(engine, message_id) > 0
        queue_tick(now=utcnow() + LATER, broker=broker, registry=discard_registry(journal))
        wait_for(lambda: open_deliveries(engine, message_id) == 0, 180, "every delivery to settle")
        wait_until_quiet(journal)
    finally:
        stop(worker)
        server.kill()
        server.wait(timeout=10)
    assert_each_sent_exactly_once(engine, message_id, ids, journal)
