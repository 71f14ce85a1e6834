"""The processes of bench/subscriptions.py other than the orchestrator: the bare Starlette broadcast
and the three client processes (``progress`` and ``feed``: graphql-ws clients of Homeroom;
``bare``: clients of the bare app), and the figures computed from what they saw."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import pathlib
import sys
import time

OPENING_AT_ONCE = 50
#: After the dispatch, clients keep listening until each has had everything, at most this long:
#: what arrives late is measured, not lost.
DRAIN_SECONDS = 300.0


def progress_subscription(message_id: str) -> dict:
    return {"query": "subscription($id: ID!) { messageProgress(messageId: $id) { status open total } }",
            "variables": {"id": message_id}}


def delivery_events_subscription(after: str) -> dict:
    return {"query": "subscription($after: String) { deliveryEvents(after: $after) "
                     "{ cursor messageId status occurredAt } }",
            "variables": {"after": after}}


# ---- the bare Starlette broadcast (its own process: --serve-bare PORT) --------------------------

def serve_bare(port: int, redis_url: str, channel: str) -> None:
    """Relay each Redis notice on ``channel`` to every socket as ``{"seq": n}``."""
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


# ---- the clients (their own process each: --client-kind progress|feed|bare) --------------------

async def _notices(redis_url: str, channel: str, stamps: list, read_open, stop: asyncio.Event) -> None:
    """Stamp every Redis notice of the message (and, for progress clients, read open_deliveries)."""
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


async def _homeroom_client(kind: str, url: str, token: str, document: dict, frames: list,
                           opened: asyncio.Semaphore, ready: list) -> None:
    """A graphql-transport-ws client. A progress frame is kept as (arrival, data); a feed frame
    as (arrival, cursor, messageId, occurredAt), the acknowledgement counting as its first frame."""
    from websockets.asyncio.client import connect

    async with opened:
        ws = await connect(url, subprotocols=["graphql-transport-ws"], proxy=None, open_timeout=300,
                           ping_interval=None, max_size=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": document}))
    if kind == "feed":  # the feed sends nothing until an event: the subscription is live once sent
        await asyncio.sleep(0.5)
        ready.append(1)
    try:
        async for raw in ws:
            arrived = time.time()
            frame = json.loads(raw)
            if frame["type"] == "next":
                data = frame["payload"].get("data") or {}
                if kind == "feed":
                    event = data["deliveryEvents"]
                    frames.append((arrived, event["cursor"], event["messageId"], event["occurredAt"]))
                    continue
                if not frames:
                    ready.append(1)
                frames.append((arrived, data))
            elif frame["type"] == "ping":
                await ws.send('{"type": "pong"}')
            elif frame["type"] in ("complete", "error"):
                print(f"{kind} subscription {frame['type']}:", frame.get("payload"), file=sys.stderr)
                break
    finally:
        if ws.close_code not in (None, 1000):
            print(f"{kind} client closed by the server: {ws.close_code} {ws.close_reason}", file=sys.stderr)
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


def _has_everything(kind: str, frames: list, notices: int, feed_events: int) -> bool:
    """A progress client has seen completion; a feed client has as many frames as the message has
    events after the cursor; a bare client has a frame for every notice (and the first)."""
    if kind == "bare":
        return len(frames) > notices
    if kind == "feed":
        return len(frames) >= feed_events
    return bool(frames) and frames[-1][1]["messageProgress"]["status"] == "COMPLETED"


def run_clients(kind: str, args) -> None:
    """Open the clients, say READY, collect until stdin closes (the feed's event count comes on
    it), write what they saw to --out."""
    async def main() -> None:
        stop_event, stamps, opened, ready = asyncio.Event(), [], asyncio.Semaphore(OPENING_AT_ONCE), []
        read_open = None
        if kind == "progress":
            from sqlalchemy import create_engine, text

            engine = create_engine(args.database_url, pool_size=8)

            def read_open():
                with engine.connect() as connection:
                    return connection.execute(text("SELECT open_deliveries FROM message WHERE id = :id"),
                                              {"id": int(args.message_id)}).scalar_one()

        listener = None
        if kind != "feed":
            listener = asyncio.create_task(_notices(args.redis_url, args.channel, stamps, read_open, stop_event))
        per_client: list[list] = [[] for _ in range(args.count)]
        if kind == "bare":
            tasks = [asyncio.create_task(_bare_client(args.url, per_client[i], opened, ready))
                     for i in range(args.count)]
        else:
            document = (delivery_events_subscription(args.after) if kind == "feed"
                        else progress_subscription(args.message_id))
            tasks = [asyncio.create_task(_homeroom_client(kind, args.url, args.token, document, per_client[i],
                                                          opened, ready)) for i in range(args.count)]
        while len(ready) < args.count:
            failed = [task for task in tasks if task.done() and task.exception() is not None]
            if failed:
                print(f"{len(failed)} {kind} clients failed, the first with {failed[0].exception()!r}", file=sys.stderr)
                raise SystemExit(1)
            await asyncio.sleep(0.2)
        print("READY", flush=True)
        cpu_ready = time.process_time()
        told = await asyncio.to_thread(sys.stdin.read)  # the parent closes stdin when the dispatch is over
        feed_events = int(told.strip() or 0)
        waited = time.time()  # then the backlog drains: every client has had everything (or DRAIN_SECONDS)
        while time.time() - waited < DRAIN_SECONDS and not all(  # a client the server closed is done too
                task.done() or _has_everything(kind, frames, len(stamps), feed_events)
                for task, frames in zip(tasks, per_client, strict=True)):
            await asyncio.sleep(0.5)
        drained = time.time()
        cpu_s = time.process_time() - cpu_ready
        stop_event.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, *([listener] if listener else []), return_exceptions=True)
        pathlib.Path(args.out).write_text(json.dumps({"stamps": stamps, "clients": per_client, "cpu_s": cpu_s,
                                                      "drained_at": drained, "drain_s": drained - waited}))

    asyncio.run(main())


# ---- the figures -----------------------------------------------------------------------------

def progress_latencies(seen: dict) -> tuple[list[float], int]:
    """(seconds from each notice to each messageProgress client seeing it, clients that never saw
    completion)."""
    stamps, latencies, lost = seen["stamps"], [], 0
    for frames in seen["clients"]:
        progress = [(arrived, data["messageProgress"]) for arrived, data in frames if "messageProgress" in data]
        if not progress or progress[-1][1]["status"] != "COMPLETED":
            lost += 1
        index = 0
        for stamped, open_then in stamps:
            while index < len(progress) and progress[index][1]["open"] > open_then:
                index += 1
            if index == len(progress):
                break
            latencies.append(max(0.0, progress[index][0] - stamped))
    return latencies, lost


def _epoch(occurred_at: str) -> float:
    """occurredAt as seconds since the epoch (the column holds UTC without a zone)."""
    moment = dt.datetime.fromisoformat(occurred_at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def feed_latencies(seen: dict, message_id: str, expected: set[int]) -> tuple[list[float], int, int]:
    """(seconds from each event's occurredAt to its receipt, for every (client, event) of the
    message; events of ``expected`` a client never received; events a client received twice)."""
    from domain.feed.positions import FeedPosition

    latencies, missing, repeated = [], 0, 0
    for frames in seen["clients"]:
        ids = []
        for arrived, cursor, event_message, occurred_at in frames:
            if event_message != message_id:
                continue
            ids.append(FeedPosition.parse(cursor).event_id)
            latencies.append(arrived - _epoch(occurred_at))
        repeated += len(ids) - len(set(ids))
        missing += len(expected - set(ids))
    return latencies, missing, repeated


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
