"""Subscription latency at 1,000 WebSocket clients on one API process, half on ``deliveryEvents`` and
half on ``messageProgress``, beside a bare Starlette broadcast of the same two streams to 1,000
clients, while a message dispatches (issue 16, Speed).

    python bench/subscriptions.py [--clients 1000] [--students 0] [--chunk 500] [--threads 4]
                                  [--send-queue-frames N] [--database-url URL] [--redis-url URL]
    BENCH_API_PROFILE=api.prof python bench/subscriptions.py …   (cProfile of the API's event loop
                                                                  from the dispatch's start)

Uses the 50,000-student district of bench/recipients.py (seeded if empty) and sends one email to
the contacts of the first ``--students`` students (0, the default: every student, ~100,000
deliveries, the issue's message), fanned out before anything is measured. Then starts one Homeroom
API process (uvicorn, no worker), the bare app (Starlette on uvicorn, bench/subscription_bare.py)
and the client processes (websockets, asyncio): ``--clients``/2 graphql-ws clients on
``deliveryEvents(after:)`` (in two processes: they read ~500 times the bytes of the others), the
rest on ``messageProgress``; and as many clients of the bare app, split the same way between its
notice stream (``{"seq": n}`` per Redis notice of the message) and its event stream (at each
notice, the feed's new events read with one statement below the same commit horizon, up to 500 per
frame as Homeroom's hub reads them, encoded once and written to every socket, with the fields the
Homeroom clients select). Once every client is subscribed, one worker process (``discard``
plugin) dispatches the message in chunks of ``--chunk``; each chunk's claim and each chunk's
outcomes publish a notice through Redis after they commit.

Why the bare app sends the feed's events too: a feed client receives every event of the message
(the feed's contract), ~200,000 for 100,000 deliveries, ~110 bytes each. A bare broadcast of
12-byte notices measures a different job; the floor for Homeroom's is the same bytes, read once
and sent without GraphQL, authentication, scopes or queues.

Latency, per (client, event), every stream from the same moment, the Redis notice that announced
the change (every client process stamps each notice itself as it arrives):

- ``deliveryEvents`` (Homeroom's and the bare app's): receipt minus the stamp of the first notice
  after the event's ``occurredAt`` (PostgreSQL's ``statement_timestamp()`` of the ledger write,
  models/delivery_events.py; the worker publishes after that write commits, so that notice is the
  one announcing it, or an earlier one, which counts against the client). Each client must
  receive exactly the message's events after its cursor (the feed's head once the fan-out has
  committed; counted from the delivery_event table after the run), in feed order across frames:
  one missing, repeated or out of order counts as lost. Homeroom's figures from ``occurredAt``
  itself (the worker's claim or outcome transaction included) are printed too.
- ``messageProgress``: each notice is also paired with the message's ``open_deliveries`` read
  then; it is seen at the first frame whose ``open`` is at most that (coalescing counts against
  Homeroom). A client that never sees COMPLETED is lost.
- bare notices: a notice is seen at the frame carrying its sequence number; one never received is lost.

Before the dispatch, the CPU the API process and the bare app use in IDLE_SECONDS with every client
subscribed is printed (idle cost); after it, the CPU each process used from the dispatch's start
until every client had everything (whether the client processes kept up). p50 and p99 are over both
halves together, Homeroom's and the bare app's (each half is printed too); ratio = Homeroom's p99 /
the bare app's p99. Last line: ``clients=… p50_ms=… p99_ms=… bare_p99_ms=… ratio=… events=… lost=…``
(events: the feed events of the message each feed client had to receive).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import CHUNK, configure, stop, wait_for  # noqa: E402
from bench.inbox import ensure_database  # noqa: E402
from bench.subscription_clients import (  # noqa: E402
    bare_latencies, feed_latencies, milliseconds, percentile, progress_latencies, run_clients)
from bench.subscription_bare import serve_bare  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench_g"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
#: How long the API's CPU is measured with every client subscribed and nothing happening.
IDLE_SECONDS = 10.0
#: The message goes to this many students' contacts (0: all 50,000, ~100,000 deliveries).
DEFAULT_STUDENTS = 0

_API = """
import cProfile, os, signal, uvicorn
from homeroom.app import create_app, server_options
from homeroom.settings import get_settings
profile = os.environ.get("BENCH_API_PROFILE")  # the event loop's thread, written at SIGUSR1
if profile:  # from the dispatch's start (SIGUSR2)
    profiler = cProfile.Profile()
    signal.signal(signal.SIGUSR2, lambda *_: profiler.enable())
    signal.signal(signal.SIGUSR1, lambda *_: profiler.dump_stats(profile))
uvicorn.run(create_app(run_worker=False), host="127.0.0.1", port={port}, log_level="warning",
            **server_options(get_settings()))
"""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict, log: pathlib.Path) -> subprocess.Popen:
    """A child process whose output goes to ``log`` (a pipe nobody reads would stall it)."""
    with open(log, "w") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    time.sleep(3)  # processes boot and their consumers connect
    if process.poll() is not None:
        raise SystemExit(log.read_text())
    return process


def _ticks(pid: int) -> int:
    """CPU ticks (user + system) process ``pid`` and its live children have used (Linux /proc)."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # it has just ended
        return 0
    return int(fields[11]) + int(fields[12]) + sum(_ticks(int(child)) for child in children)


def _cpu_share(pid: int, seconds: float) -> float:
    """The share of one core process ``pid`` used over ``seconds``."""
    before = _ticks(pid)
    time.sleep(seconds)
    return (_ticks(pid) - before) / os.sysconf("SC_CLK_TCK") / seconds


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _figures(name: str, histogram) -> str:
    """p50, p99, max and mean of a millisecond histogram."""
    pairs = sum(histogram.values())
    if not pairs:
        return f"{name}: nothing received"
    mean = sum(ms * count for ms, count in histogram.items()) / pairs
    return (f"{name}: {pairs:,} (client, event) pairs, p50 {percentile(histogram, 0.5):.0f} ms, "
            f"p99 {percentile(histogram, 0.99):.0f} ms, max {max(histogram):.0f} ms, mean {mean:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--students", type=int, default=DEFAULT_STUDENTS,
                        help="the message goes to the contacts of this many students (0: all 50,000)")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="deliveries per dispatch chunk")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--send-queue-frames", type=int, default=0,
                        help="HOMEROOM_WS_SEND_QUEUE_FRAMES for the API (0: the setting's default)")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client-kind", choices=["progress", "feed", "bare", "bare-feed"], help=argparse.SUPPRESS)
    for hidden in ("--url", "--token", "--message-id", "--channel", "--out", "--after"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare, args.redis_url, args.channel, args.database_url, args.after)
        return 0
    if args.client_kind:
        run_clients(args.client_kind, args)
        return 0
    return orchestrate(args)


def orchestrate(args) -> int:
    ensure_database(args.database_url)
    env = configure(args.database_url, args.redis_url)
    env["HOMEROOM_DISPATCH_BATCH_SIZE"] = os.environ["HOMEROOM_DISPATCH_BATCH_SIZE"] = str(args.chunk)
    if args.send_queue_frames:  # HOMEROOM_WS_SEND_QUEUE_FRAMES, to try another bound
        env["HOMEROOM_WS_SEND_QUEUE_FRAMES"] = os.environ["HOMEROOM_WS_SEND_QUEUE_FRAMES"] = str(args.send_queue_frames)
    import redis
    from sqlalchemy import select, tuple_
    from sqlmodel import Session

    import jobs
    from bench.recipients import ensure_district, every_student, forget_messages
    from domain.access.viewer import load_viewer
    from domain.delivery.fan_out import fan_out, queued_delivery_chunks
    from domain.delivery.lanes import Lane
    from domain.delivery.progress_events import RedisBus
    from domain.feed.positions import FeedPosition
    from domain.feed.reading import head
    from domain.messages.send import create_message
    from domain.support.global_ids import Kind, global_id
    from homeroom.auth import mint_token
    from homeroom.runtime import start_runtime
    from homeroom.settings import get_settings
    from models.db import engine_for, session_scope
    from models.delivery_events import DeliveryEvent
    from models.directory import AccountStatus, Student, User
    from models.messaging import Message, StudentRecipientType

    start_runtime()
    engine = engine_for(args.database_url)
    ensure_district(engine, 50_000, reuse=True)
    redis.Redis.from_url(args.redis_url).flushdb()
    with session_scope(engine) as session:  # what an interrupted run left behind
        forget_messages(engine, session.execute(select(Message.id).where(Message.subject == "Bench")).scalars().all())
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        request = every_student(StudentRecipientType.ALL_CONTACTS)
        if args.students:
            students = session.execute(select(Student.id).where(Student.status == AccountStatus.ACTIVE).order_by(Student.id).limit(args.students)).scalars().all()
            request = dataclasses.replace(request, all_students=False, student_ids=tuple(students))
        message = create_message(session, load_viewer(session, admin.id), request)
        session.flush()
        fan_out(session, message.id)
        ids = [i for chunk in queued_delivery_chunks(session, message.id, 10**9) for i in chunk]
        admin_id, login, message_id = admin.id, admin.login, message.id
    with Session(engine) as session:  # the feed head before the dispatch, past the fan-out's own events
        last = session.execute(select(DeliveryEvent.tx, DeliveryEvent.id).where(DeliveryEvent.message_id == message_id)
                               .order_by(DeliveryEvent.tx.desc(), DeliveryEvent.id.desc()).limit(1)).first()
        after = max(head(session), FeedPosition(int(last.tx), int(last.id)) if last else head(session))
    feed_count, progress_count = args.clients // 2, args.clients - args.clients // 2
    print(f"message {message_id}: {len(ids):,} sendable deliveries ({args.students or 'all'} students' contacts), "
          f"chunks of {args.chunk}; {feed_count} clients on deliveryEvents, {progress_count} on messageProgress")
    token = mint_token(get_settings(), user_id=admin_id, login=login, ttl_minutes=240)
    channel = f"{RedisBus(args.redis_url).progress_prefix}{message_id}"
    api_port, bare_port = free_port(), free_port()
    me = [sys.executable, str(pathlib.Path(__file__).resolve())]
    common = ["--database-url", args.database_url, "--redis-url", args.redis_url, "--channel", channel]
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="homeroom-bench-subs-"))
    api = start([sys.executable, "-c", _API.format(port=api_port)], env, scratch / "api.log")
    bare = start([*me, "--serve-bare", str(bare_port), "--after", after.cursor, *common], env, scratch / "bare.log")
    for port in (api_port, bare_port):
        wait_for(lambda port=port: _listening(port), timeout=120, poll=0.5)
    homeroom_url = f"ws://127.0.0.1:{api_port}/graphql"
    bare_url, bare_events_url = f"ws://127.0.0.1:{bare_port}/ws", f"ws://127.0.0.1:{bare_port}/events"
    clients: dict[str, subprocess.Popen] = {}
    expected: set[int] = set()
    ticks: dict[str, int] = {}  # CPU ticks of each server process at the dispatch's start
    try:
        # the feed clients read ~500 times the bytes of the others: two processes share them; the
        # bare app's clients are split the same way between its two streams
        for name, kind, url, count in (
                ("progress", "progress", homeroom_url, progress_count),
                ("feed", "feed", homeroom_url, feed_count // 2),
                ("feed, second process", "feed", homeroom_url, feed_count - feed_count // 2),
                ("bare", "bare", bare_url, progress_count),
                ("bare-feed", "bare-feed", bare_events_url, feed_count // 2),
                ("bare-feed, second process", "bare-feed", bare_events_url, feed_count - feed_count // 2)):
            with open(scratch / f"{name}.log", "w") as log:
                clients[name] = subprocess.Popen(
                    [*me, "--client-kind", kind, "--url", url, "--token", token,
                     "--message-id", global_id(Kind.MESSAGE, message_id), "--after", after.cursor,
                     "--count", str(count), "--out", str(scratch / f"{name}.json"), *common],
                    env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        opened = time.perf_counter()
        for kind, process in clients.items():
            if process.stdout.readline().strip() != "READY":
                raise SystemExit(f"the {kind} clients did not start: {(scratch / f'{kind}.log').read_text()}")
        print(f"{args.clients} Homeroom and {args.clients} bare clients subscribed in "
              f"{time.perf_counter() - opened:.1f} s")
        idle = {name: _cpu_share(process.pid, IDLE_SECONDS) for name, process in (("Homeroom", api), ("bare", bare))}
        print(f"idle, {IDLE_SECONDS:.0f} s with every client subscribed and nothing sent: Homeroom API process "
              f"{idle['Homeroom']:.1%} of a core, bare app {idle['bare']:.1%}")
        worker = start([sys.executable, "-m", "homeroom.cli", "worker", "--processes", "1",
                        "--threads", str(args.threads)], env, scratch / "worker.log")
        watched = {"API": api.pid, "bare app": bare.pid, "worker": worker.pid,
                   **{f"{kind} clients": process.pid for kind, process in clients.items()}}
        ticks = {name: _ticks(pid) for name, pid in watched.items()}
        try:
            if os.environ.get("BENCH_API_PROFILE"):
                api.send_signal(signal.SIGUSR2)
            started, wall = time.perf_counter(), time.time()
            jobs.enqueue_dispatch((Lane.NORMAL, ids[i:i + args.chunk]) for i in range(0, len(ids), args.chunk))

            def done() -> bool:
                with engine.connect() as connection:
                    return connection.execute(select(Message.open_deliveries).where(
                        Message.id == message_id)).scalar_one() <= 0
            finished = wait_for(done, timeout=1800, poll=0.5)
            worker_ticks = _ticks(worker.pid) - ticks.pop("worker")
        finally:
            stop(worker)
        print(f"dispatched {len(ids):,} deliveries in {finished - started:.1f} s")
        with Session(engine) as session:
            expected = set(session.execute(select(DeliveryEvent.id).where(
                DeliveryEvent.message_id == message_id,
                tuple_(DeliveryEvent.tx, DeliveryEvent.id) > tuple_(after.tx, after.event_id))).scalars())
        for process in clients.values():
            process.stdin.write(str(len(expected)))
    finally:
        for process in clients.values():
            process.stdin.close()
        for process in clients.values():
            process.wait(timeout=900)
        usage = {name: _ticks(watched[name]) - before for name, before in ticks.items() if "clients" not in name}
        if os.environ.get("BENCH_API_PROFILE"):
            api.send_signal(signal.SIGUSR1)
            time.sleep(3)
        stop(api)
        stop(bare)
    seen = {name: json.loads((scratch / f"{name}.json").read_text()) for name in clients}
    for kind in ("feed", "bare-feed"):
        second = seen.pop(f"{kind}, second process")
        seen[kind]["clients"] += second["clients"]
        seen[kind]["cpu_s"] += second["cpu_s"]
        seen[kind]["drained_at"] = max(seen[kind]["drained_at"], second["drained_at"])
    progress_seconds, progress_lost = progress_latencies(seen["progress"])
    progress = milliseconds(progress_seconds)
    feed, feed_from_ledger, feed_missing, feed_repeated, unannounced = feed_latencies(seen["feed"], len(expected))
    bare_seconds, bare_lost = bare_latencies(seen["bare"])
    bare_notices = milliseconds(bare_seconds)
    bare_feed, _, bare_feed_missing, bare_feed_repeated, _ = feed_latencies(seen["bare-feed"], len(expected))
    bare = bare_notices + bare_feed
    latencies = progress + feed
    notices = len(seen["bare"]["stamps"])
    drained = max(part["drained_at"] for part in seen.values())
    hertz = os.sysconf("SC_CLK_TCK")
    cpu = {**{name: used / hertz for name, used in usage.items()}, "worker": worker_ticks / hertz,
           **{f"{kind} clients": part["cpu_s"] for kind, part in seen.items()}}
    print(f"{len(expected):,} feed events of the message after the cursor, {notices} Redis notices; the last "
          f"client had everything {drained - wall:.1f} s after the dispatch began (CPU until then: "
          + ", ".join(f"{name} {seconds:.1f} s CPU" for name, seconds in cpu.items()) + ")")
    print(_figures(f"messageProgress ({progress_count} clients, notice → first frame reflecting it)", progress)
          + f"; {progress_lost} clients never saw completion")
    print(_figures(f"deliveryEvents ({feed_count} clients, notice → receipt)", feed)
          + f"; {feed_missing} events never received, {feed_repeated} received twice or out of order, "
            f"{unannounced} announced by no notice")
    print(_figures(f"deliveryEvents ({feed_count} clients, occurredAt → receipt: with the worker's claim "
                   "or record transaction before its notice)", feed_from_ledger))
    print(_figures("Homeroom, both halves", latencies))
    print(_figures(f"bare Starlette, notices ({progress_count} clients, notice → frame)", bare_notices)
          + f"; {bare_lost} notices missed")
    print(_figures(f"bare Starlette, the feed's events ({feed_count} clients, notice → receipt)", bare_feed)
          + f"; {bare_feed_missing} events never received, {bare_feed_repeated} received twice or out of order")
    print(_figures(f"bare Starlette, both halves ({args.clients} clients)", bare))
    forget_messages(engine, [message_id])
    print(f"logs in {scratch}")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    bare_p99 = percentile(bare, 0.99)
    print(f"clients={args.clients} p50_ms={p50:.0f} p99_ms={p99:.0f} bare_p99_ms={bare_p99:.0f} "
          f"ratio={p99 / bare_p99:.2f} events={len(expected)} "
          f"lost={progress_lost + feed_missing + feed_repeated + bare_lost + bare_feed_missing + bare_feed_repeated}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
