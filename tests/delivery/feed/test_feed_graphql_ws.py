"""Acceptance (issue 16 point 4): the npm graphql-ws client follows a real send through a real API
process, disconnects midway, resumes from the last cursor it received, and across more than 10,000
events and a worker killed and restarted sees every event of the send once and only once.

The credential is a partner key created through the API with `deliveries:read` (acting for the
district administrator who sends), given to the Node client (tests/peers/feed_client.cjs) in its
environment and sent in connection_init.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from channels.base import ChannelKind
from channels.discard import DiscardChannel, DiscardConfig
from channels.registry import ChannelRegistry
from domain.delivery.lanes import Lane
from domain.feed.positions import FeedPosition
from feed_client import NodeFeedClient, why_unavailable
from feed_steps import feed_head, read_all
from harness import REDIS_URL, RUN_DIR, USES_POSTGRES, USES_REDIS
from helpers import gid
from partner_key_steps import create_key
from jobs import enqueue_dispatch
from jobs.broker import LaneAwareRedisBroker, _middleware
from jobs.queue_clock import queue_tick
from live_server import live_server
from models.db import session_scope, utcnow
from models.messaging import Delivery
from worker_processes import kill_hard, message_to_imported_phones, open_deliveries, stop, wait_for

pytestmark = [
    pytest.mark.skipif(not (USES_POSTGRES and USES_REDIS),
                       reason="a worker process to kill and restart needs PostgreSQL and Redis"),
    pytest.mark.skipif(why_unavailable() is not None, reason=why_unavailable() or ""),
]

TESTS_DIR = Path(__file__).resolve().parents[2]
RECIPIENTS = 3_400  # QUEUED, SENDING, SENT: 10,200 events at least
LATER = dt.timedelta(minutes=11)  # past every stale and stuck threshold of the queue run


def _start_worker(journal: Path, latency_ms: int) -> subprocess.Popen:
    """A real `homeroom worker` whose every channel is the discard plugin, journalling what it accepts."""
    env = {**os.environ, "HOMEROOM_CHANNEL_PLUGINS": json.dumps({kind.value: "discard" for kind in ChannelKind}),
           "HOMEROOM_PLUGIN_CONFIG": json.dumps({"discard": {"latency_ms": latency_ms, "journal": str(journal)}}),
           "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    log = open(RUN_DIR / f"feed-worker-{time.monotonic_ns()}.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "homeroom.cli", "worker", "--processes", "1", "--threads", "4"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(2)
    assert process.poll() is None, "the worker did not start"
    return process


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return [pid] + [descendant for child in children for descendant in _process_tree(child)]


@contextlib.contextmanager
def _paused(process: subprocess.Popen | None):
    """The run's shared worker stopped (SIGSTOP) for the block: this test's worker alone dispatches,
    so killing it really interrupts the send."""
    pids = _process_tree(process.pid) if process is not None else []
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def _sent(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id, Delivery.status == "SENT")).scalar_one()


def test_graphql_ws_client_resumes_without_loss_or_repeat_across_10000_events_and_a_worker_restart(
        client, engine, tmp_path, worker_process):
    """issue 16 point 4 (acceptance): subscribe with the npm graphql-ws client and a partner key
    in connection_init, receive the events of a real send dispatched by a worker
    process, disconnect midway, kill the worker, resume from the last cursor, restart the worker:
    the two connections together hold each of the send's events exactly once, in feed order."""
    token = create_key(client, engine, scopes=("DELIVERIES_READ",), name="feed follower")["secret"]
    start = feed_head(engine).cursor
    message_id, ids = message_to_imported_phones(engine, RECIPIENTS, "+1874555")
    journal = tmp_path / "provider.journal"
    broker = LaneAwareRedisBroker(url=REDIS_URL, namespace="homeroom", middleware=_middleware())
    registry = ChannelRegistry({kind: DiscardChannel(DiscardConfig(journal=journal)) for kind in ChannelKind})
    second = None
    with _paused(worker_process), live_server(RUN_DIR / "feed-live-server.log") as server:
        first = NodeFeedClient(server.ws_url, token, after=start, stop_after=5_000)
        try:
            first.wait(lambda: len(first.events) >= RECIPIENTS, 120, "the replay of the fan-out")
            worker = _start_worker(journal, latency_ms=200)
            try:
                enqueue_dispatch(((Lane.NORMAL, ids[i:i + 100]) for i in range(0, len(ids), 100)), broker=broker)
                wait_for(lambda: _sent(engine, message_id) >= 800, 180, "dispatch to get going")
            finally:
                kill_hard(worker)  # mid-dispatch: some deliveries stay SENDING
            first.wait(lambda: first.done is not None, 180, "the first connection to stop midway")
        finally:
            first.stop()
        assert open_deliveries(engine, message_id) > 0
        try:
            second = NodeFeedClient(server.ws_url, token, after=first.done["last"])
            queue_tick(now=utcnow() + LATER, broker=broker, registry=registry)  # reconcile, hand out again
            worker = _start_worker(journal, latency_ms=0)
            try:
                wait_for(lambda: open_deliveries(engine, message_id) == 0, 300, "every delivery to settle")
            finally:
                stop(worker)
            expected = [event.position.cursor for event in read_all(engine, FeedPosition.parse(start))[0]
                        if event.message_id == message_id]

            def received() -> list[str]:
                return [event["cursor"] for event in first.events + second.events
                        if event["messageId"] == gid("Message", message_id)]

            second.wait(lambda: len(received()) >= len(expected), 180, "the resumed connection to catch up")
            time.sleep(1)  # anything repeated after the last expected event would arrive now
        finally:
            if second is not None:
                second.stop()
    assert len(expected) >= 10_000
    assert received() == expected  # every event once, in feed order, across the disconnect and the restart
    # it left after the batch that brought its 5,000th event, resuming from that batch's endCursor
    assert first.done["done"] == len(first.events) >= 5_000
    assert FeedPosition.parse(first.done["last"]) >= FeedPosition.parse(first.events[-1]["cursor"])

