"""Subscription latency at 1,000 WebSocket clients on one API process, beside a bare Starlette
broadcast to 1,000 clients, while a 100,000-delivery message dispatches (issue 16, Speed).

    python bench/subscriptions.py [--database-url URL] [--redis-url URL] [--clients 1000] [--threads 4]

Uses the district of bench/recipients.py (seeded if empty), sends one email to every student's
contacts (~100,000 deliveries) and fans it out. Then starts: one Homeroom API process (uvicorn, no
worker), a bare Starlette app that relays each Redis progress notice of the message to every socket
(``{"seq": n}``), and two client processes (websockets, asyncio): ``--clients`` graphql-ws
clients of Homeroom (half on ``deliveryEvents`` when the schema has it, the rest on
``messageProgress``; the documents come from the functions below) and as many clients of the bare
app. Once every client has its first frame, one worker process (``discard`` plugin) dispatches the
message; each chunk's ledger write publishes a notice through Redis.

What is measured: each client process listens to the message's Redis channel itself and stamps
the time of every notice (the ledger change: dispatch publishes right after it commits a chunk).
For Homeroom it also reads the message's ``open_deliveries`` then; a notice is seen by a client at
the first messageProgress frame whose ``open`` is at most that (so coalescing counts against
Homeroom, and a later chunk committed before the read makes the figure larger, never smaller).
For the bare app a notice is seen at the frame carrying its sequence number. Latency = seen −
stamped, over every (client, notice). ``lost`` counts Homeroom clients that never saw the
message complete plus notices a bare client never received. Before the dispatch, the CPU the API
process and the bare app use in IDLE_SECONDS with every client subscribed is printed (idle cost). Last line: ``clients=… p50_ms=…
p99_ms=… bare_p50_ms=… bare_p99_ms=… ratio=… events=… lost=…`` (ratio = p99 / bare p99).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import statistics
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

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench_b"
DEFAULT_REDIS = "redis://127.0.0.1:6379/2"
OPENING_AT_ONCE = 50
#: After the dispatch, clients keep listening until each has had everything, at most this long:
#: what arrives late is measured, not lost.
DRAIN_SECONDS = 300.0
#: How long the API's CPU is measured with every client subscribed and nothing happening.
IDLE_SECONDS = 10.0

_API = """
import uvicorn
from homeroom.app import create_app, server_options
from homeroom.settings import get_settings
uvicorn.run(create_app(run_worker=False), host="127.0.0.1", port={port}, log_level="warning",
            **server_options(get_settings()))
"""


def progress_subscription(message_id: str) -> dict:
    return {"query": "subscription($id: ID!) { messageProgress(messageId: $id) { status open total } }",
            "variables": {"id": message_id}}


def delivery_events_subscription(message_id: str) -> dict:
    """Slice A's feed; switch the selection to its final shape when it is merged."""
    return {"query": "subscription { deliveryEvents { cursor } }", "variables": {}}


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


def _cpu_share(pid: int, seconds: float) -> float:
    """The share of one core process ``pid`` used over ``seconds`` (Linux /proc)."""
    def ticks() -> int:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / os.sysconf("SC_CLK_TCK") / seconds


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# ---- the bare Starlette broadcast (run in its own process: --serve-bare PORT) -------------------

def serve_bare(port: int, redis_url: str, channel: str) -> None:
    import redis.asyncio as aioredis
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    sockets: set[WebSocket] = set()

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        sockets.add(websocket)
        await websocket.send_text(json.dumps({"seq": 0}))
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            sockets.discard(websocket)

    async def relay() -> None:
        client = aioredis.Redis.from_url(redis_url)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel)
        seq = 0
        async for item in pubsub.listen():
            if item["type"] != "message":
                continue
            seq += 1
            text = json.dumps({"seq": seq})
            for websocket in list(sockets):
                try:
                    await websocket.send_text(text)
                except Exception:  # noqa: BLE001
                    sockets.discard(websocket)

    async def lifespan(_app):
        task = asyncio.create_task(relay())
        yield
        task.cancel()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# ---- the clients (run in their own process: --clients homeroom|bare) ----------------------------

async def _notices(redis_url: str, channel: str, stamps: list, read_open, stop: asyncio.Event) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    while not stop.is_set():
        item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if item is not None:  # stamped first; the counter is read beside, so stamping never waits
            stamps.append((time.time(), asyncio.ensure_future(asyncio.to_thread(read_open)) if read_open else None))
    for index, (stamped, reading) in enumerate(stamps):
        stamps[index] = (stamped, await reading if reading is not None else None)
    await pubsub.aclose()
    await client.aclose()


async def _homeroom_client(url: str, token: str, document: dict, frames: list, opened: asyncio.Semaphore,
                           ready: list) -> None:
    from websockets.asyncio.client import connect

    async with opened:
        ws = await connect(url, subprotocols=["graphql-transport-ws"], proxy=None, open_timeout=300,
                           ping_interval=None, max_size=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": document}))
    try:
        async for raw in ws:
            arrived = time.time()
            frame = json.loads(raw)
            if frame["type"] == "ping":
                await ws.send('{"type": "pong"}')
            elif frame["type"] == "next":
                data = frame["payload"].get("data") or {}
                if not frames:
                    ready.append(1)
                frames.append((arrived, data))
            elif frame["type"] in ("complete", "error"):
                if frame["type"] == "error":
                    print("subscription error:", frame["payload"], file=sys.stderr)
                break
    finally:
        await ws.close()


async def _bare_client(url: str, frames: list, opened: asyncio.Semaphore, ready: list) -> None:
    from websockets.asyncio.client import connect

    async with opened:
        ws = await connect(url, proxy=None, open_timeout=300, ping_interval=None)
    try:
        async for raw in ws:
            frames.append((time.time(), json.loads(raw)["seq"]))
            if len(frames) == 1:
                ready.append(1)
    finally:
        await ws.close()


def _has_everything(kind: str, frames: list, notices: int) -> bool:
    """A progress client has seen completion; a feed client counts as done; a bare client has a
    frame for every notice (and the first)."""
    if kind == "bare":
        return len(frames) > notices
    if not frames or "messageProgress" not in frames[-1][1]:
        return True
    return frames[-1][1]["messageProgress"]["status"] == "COMPLETED"


def run_clients(kind: str, args) -> None:
    """Open the clients, say READY, collect until stdin closes, write what they saw to --out."""
    async def main() -> None:
        stop_event, stamps, opened, ready = asyncio.Event(), [], asyncio.Semaphore(OPENING_AT_ONCE), []
        read_open = None
        if kind == "homeroom":
            from sqlalchemy import create_engine, text

            engine = create_engine(args.database_url, pool_size=8)

            def read_open():
                with engine.connect() as connection:
                    return connection.execute(text("SELECT open_deliveries FROM message WHERE id = :id"),
                                              {"id": int(args.message_id)}).scalar_one()

        listener = asyncio.create_task(_notices(args.redis_url, args.channel, stamps, read_open, stop_event))
        per_client: list[list] = [[] for _ in range(args.count)]
        if kind == "homeroom":
            has_feed = args.has_delivery_events
            documents = [delivery_events_subscription(args.message_id) if has_feed and i % 2 else
                         progress_subscription(args.message_id) for i in range(args.count)]
            tasks = [asyncio.create_task(_homeroom_client(args.url, args.token, documents[i], per_client[i],
                                                          opened, ready)) for i in range(args.count)]
        else:
            tasks = [asyncio.create_task(_bare_client(args.url, per_client[i], opened, ready))
                     for i in range(args.count)]
        while len(ready) < args.count:
            failed = [task for task in tasks if task.done() and task.exception() is not None]
            if failed:
                print(f"{len(failed)} {kind} clients failed, the first with {failed[0].exception()!r}", file=sys.stderr)
                raise SystemExit(1)
            await asyncio.sleep(0.2)
        print("READY", flush=True)
        await asyncio.to_thread(sys.stdin.read)  # the parent closes stdin when the dispatch is over
        waited = time.time()  # then the backlog drains: every client has had everything (or DRAIN_SECONDS)
        while time.time() - waited < DRAIN_SECONDS and not all(_has_everything(kind, frames, len(stamps))
                                                                for frames in per_client):
            await asyncio.sleep(0.5)
        stop_event.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, listener, return_exceptions=True)
        pathlib.Path(args.out).write_text(json.dumps({"stamps": stamps, "clients": per_client}))

    asyncio.run(main())


# ---- the figures ----------------------------------------------------------------------------

def homeroom_latencies(seen: dict) -> tuple[list[float], int]:
    """(seconds from each notice to each messageProgress client seeing it, clients that never saw
    completion)."""
    stamps, latencies, lost = seen["stamps"], [], 0
    for frames in seen["clients"]:
        progress = [(arrived, data["messageProgress"]) for arrived, data in frames if "messageProgress" in data]
        if not progress:
            continue
        if progress[-1][1]["status"] != "COMPLETED":
            lost += 1
        index = 0
        for stamped, open_then in stamps:
            while index < len(progress) and progress[index][1]["open"] > open_then:
                index += 1
            if index == len(progress):
                break
            latencies.append(max(0.0, progress[index][0] - stamped))
    return latencies, lost


def bare_latencies(seen: dict) -> tuple[list[float], int]:
    stamps, latencies, lost = seen["stamps"], [], 0
    for frames in seen["clients"]:
        arrival = {seq: arrived for arrived, seq in frames}
        for seq, (stamped, _) in enumerate(stamps, start=1):
            if seq in arrival:
                latencies.append(max(0.0, arrival[seq] - stamped))
            else:
                lost += 1
    return latencies, lost


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client-kind", choices=["homeroom", "bare"], help=argparse.SUPPRESS)
    for hidden in ("--url", "--token", "--message-id", "--channel", "--out"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--has-delivery-events", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare, args.redis_url, args.channel)
        return 0
    if args.client_kind:
        run_clients(args.client_kind, args)
        return 0
    return orchestrate(args)


def orchestrate(args) -> int:
    ensure_database(args.database_url)
    env = configure(args.database_url, args.redis_url)
    import redis
    from sqlalchemy import select

    import jobs
    from bench.recipients import ensure_district, every_student, forget_messages
    from domain.access.viewer import load_viewer
    from domain.delivery.fan_out import fan_out, queued_delivery_chunks
    from domain.delivery.lanes import Lane
    from domain.delivery.progress_events import RedisBus
    from domain.messages.send import create_message
    from graph.schema import build_schema
    from homeroom.auth import mint_token
    from homeroom.runtime import start_runtime
    from homeroom.settings import get_settings
    from models.db import engine_for, session_scope
    from models.directory import User
    from models.messaging import Message, StudentRecipientType

    start_runtime()
    engine = engine_for(args.database_url)
    ensure_district(engine, 50_000, reuse=True)
    redis.Redis.from_url(args.redis_url).flushdb()
    with session_scope(engine) as session:  # what an interrupted run left behind
        forget_messages(engine, session.execute(select(Message.id).where(Message.subject == "Bench")).scalars().all())
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        message = create_message(session, load_viewer(session, admin.id), every_student(StudentRecipientType.ALL_CONTACTS))
        session.flush()
        fan_out(session, message.id)
        ids = [i for chunk in queued_delivery_chunks(session, message.id, 10**9) for i in chunk]
        admin_id, login, message_id = admin.id, admin.login, message.id
    has_feed = "deliveryEvents" in str(build_schema(development=False, introspection=False))
    print(f"message {message_id}: {len(ids):,} sendable deliveries; "
          + ("half the clients on deliveryEvents" if has_feed else
             "deliveryEvents is not in the schema: all Homeroom clients on messageProgress"))
    token = mint_token(get_settings(), user_id=admin_id, login=login, ttl_minutes=240)
    channel = f"{RedisBus(args.redis_url).progress_prefix}{message_id}"
    api_port, bare_port = free_port(), free_port()
    me = [sys.executable, str(pathlib.Path(__file__).resolve())]
    common = ["--database-url", args.database_url, "--redis-url", args.redis_url, "--channel", channel]
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="homeroom-bench-subs-"))
    api = start([sys.executable, "-c", _API.format(port=api_port)], env, scratch / "api.log")
    bare = start([*me, "--serve-bare", str(bare_port), *common], env, scratch / "bare.log")
    for port in (api_port, bare_port):
        wait_for(lambda port=port: _listening(port), timeout=120, poll=0.5)
    clients = {}
    try:
        for kind, url in (("homeroom", f"ws://127.0.0.1:{api_port}/graphql"), ("bare", f"ws://127.0.0.1:{bare_port}/ws")):
            clients[kind] = subprocess.Popen(
                [*me, "--client-kind", kind, "--url", url, "--token", token, "--message-id", str(message_id),
                 "--count", str(args.clients), "--out", str(scratch / f"{kind}.json"), *common,
                 *(["--has-delivery-events"] if has_feed else [])],
                env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        opened = time.perf_counter()
        for kind, process in clients.items():
            line = process.stdout.readline()
            if line.strip() != "READY":
                raise SystemExit(f"the {kind} clients did not start")
        print(f"{args.clients} Homeroom and {args.clients} bare clients subscribed in {time.perf_counter() - opened:.1f} s")
        idle = {name: _cpu_share(process.pid, IDLE_SECONDS) for name, process in (("Homeroom", api), ("bare", bare))}
        print(f"idle, {IDLE_SECONDS:.0f} s with every client subscribed and nothing sent: Homeroom API process "
              f"{idle['Homeroom']:.1%} of a core, bare app {idle['bare']:.1%}")
        worker = start([sys.executable, "-m", "homeroom.cli", "worker", "--processes", "1",
                        "--threads", str(args.threads)], env, scratch / "worker.log")
        try:
            started = time.perf_counter()
            jobs.enqueue_dispatch((Lane.NORMAL, ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK))

            def done() -> bool:
                with engine.connect() as connection:
                    return connection.execute(select(Message.open_deliveries).where(
                        Message.id == message_id)).scalar_one() <= 0
            finished = wait_for(done, timeout=900, poll=0.5)
        finally:
            stop(worker)
        print(f"dispatched {len(ids):,} deliveries in {finished - started:.1f} s")
    finally:
        for process in clients.values():
            process.stdin.close()
        for process in clients.values():
            process.wait(timeout=300)
        stop(api)
        stop(bare)
    homeroom = json.loads((scratch / "homeroom.json").read_text())
    bare_seen = json.loads((scratch / "bare.json").read_text())
    latencies, lost = homeroom_latencies(homeroom)
    bare, bare_lost = bare_latencies(bare_seen)
    events = len(homeroom["stamps"])
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    bare_p50, bare_p99 = percentile(bare, 0.5) * 1000, percentile(bare, 0.99) * 1000
    print(f"homeroom messageProgress: {len(latencies):,} (client, notice) pairs, p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms, max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms; "
          f"{lost} clients never saw completion")
    print(f"bare Starlette broadcast: {len(bare):,} (client, notice) pairs, p50 {bare_p50:.0f} ms, "
          f"p99 {bare_p99:.0f} ms; {bare_lost} notices missed")
    forget_messages(engine, [message_id])
    print(f"logs in {scratch}")
    print(f"clients={args.clients} p50_ms={p50:.0f} p99_ms={p99:.0f} bare_p50_ms={bare_p50:.0f} "
          f"bare_p99_ms={bare_p99:.0f} ratio={p99 / bare_p99:.2f} events={events} lost={lost + bare_lost}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
