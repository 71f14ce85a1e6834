"""The client processes of bench/subscriptions.py (``progress`` and ``feed``: graphql-ws clients of
Homeroom; ``bare`` and ``bare-feed``: clients of the bare app, bench/subscription_bare.py), and the
figures computed from what they saw."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import pathlib
import re
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
                     "{ endCursor events { cursor messageId status occurredAt } } }",
            "variables": {"after": after}}


#: An event of a feed frame, as the document above selects it (a response keeps the selection's order).
_CURSOR = re.compile(rb'"cursor":"([^"]+)"')
_OCCURRED = re.compile(rb'"occurredAt":"([^"]+)"')


class FeedTally:
    """What a feed client keeps of the events it receives, in constant memory per frame: 500
    clients of a 100,000-delivery message receive 100 million events, too many to keep one by one.
    Per frame, (arrival, occurredAt, how many of the message's events) for each distinct occurredAt
    (one per ledger statement); the message's events are counted; and the frames must follow each
    other in feed order (each frame's first event after the previous frame's last), which with the
    count equal to the message's events after the cursor means none was lost and none repeated (a
    frame is one page of one statement: no event twice within it)."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self.count = 0
        self.arrivals: list[tuple[float, float, int]] = []
        self.out_of_order = 0
        self.last = None
        self._epochs: dict[bytes, float] = {}

    def take(self, arrived: float, raw: bytes) -> None:
        """A frame's text as bytes, read with regular expressions rather than decoded (the
        bench's only message is the one measured: every event of a frame is counted)."""
        from domain.feed.positions import FeedPosition

        first_cursor = _CURSOR.search(raw)
        if first_cursor is None:
            return
        last_cursor = _CURSOR.search(raw, raw.rfind(b'"cursor":"'))
        first = FeedPosition.parse(first_cursor.group(1).decode())
        last = FeedPosition.parse(last_cursor.group(1).decode())
        if (self.last is not None and first <= self.last) or last < first:
            self.out_of_order += 1
        self.last = last
        mine = collections.Counter(_OCCURRED.findall(raw))
        if sum(mine.values()) != raw.count(b'"messageId":"' + self.message_id.encode() + b'"'):
            raise SystemExit("a feed frame carried another message's events: the bench must run alone")
        for occurred, count in mine.items():
            epoch = self._epochs.get(occurred)
            if epoch is None:
                epoch = self._epochs[occurred] = _epoch(occurred.decode())
            self.arrivals.append((arrived, epoch, count))
            self.count += count

    def saved(self) -> dict:
        return {"count": self.count, "arrivals": self.arrivals, "out_of_order": self.out_of_order}


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


async def _received(ws):
    """(arrival time, the frame's bytes, undecoded) for each frame until the socket closes."""
    from websockets.exceptions import ConnectionClosed

    while True:
        try:
            raw = await ws.recv(decode=False)
        except ConnectionClosed:
            return
        yield time.time(), raw


async def _homeroom_client(kind: str, url: str, token: str, document: dict, frames,
                           opened: asyncio.Semaphore, ready: list) -> None:
    """A graphql-transport-ws client. A progress frame is kept as (arrival, data) in the list
    ``frames``; a feed frame's events go to ``frames``, a FeedTally."""
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
        async for arrived, raw in _received(ws):
            if kind == "feed" and raw.startswith(b'{"id":"1","type":"next","payload":{"data":{"deliveryEvents"'):
                frames.take(arrived, raw)  # a batch of events, up to 500: read without building them
                continue
            frame = json.loads(raw)
            if frame["type"] == "next":
                data = frame["payload"].get("data") or {}
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


async def _bare_client(url: str, frames, opened: asyncio.Semaphore, ready: list) -> None:
    """A client of the bare app: a notice frame is kept as (arrival, seq) in the list ``frames``;
    an events frame goes to ``frames``, a FeedTally, as a Homeroom feed client's does."""
    from websockets.asyncio.client import connect

    async with opened:
        ws = await connect(url, proxy=None, open_timeout=300, ping_interval=None, max_size=None)
    try:
        await ws.recv()  # the hello: connected
        ready.append(1)
        async for arrived, raw in _received(ws):
            if isinstance(frames, FeedTally):
                frames.take(arrived, raw)
            else:
                frames.append((arrived, json.loads(raw)["seq"]))
    finally:
        await ws.close()


def _has_everything(kind: str, frames: list, notices: int, feed_events: int) -> bool:
    """A progress client has seen completion; a feed client (Homeroom's or the bare app's) has as
    many events as the message has after the cursor; a bare client has a frame for every notice."""
    if kind == "bare":
        return len(frames) >= notices
    if kind in ("feed", "bare-feed"):
        return frames.count >= feed_events
    return bool(frames) and frames[-1][1]["messageProgress"]["status"] == "COMPLETED"


def run_clients(kind: str, args) -> None:
    """Open the clients, say READY, collect until stdin closes (the feed's event count comes on
    it), write what they saw to --out."""
    async def main() -> None:
        stop_event, stamps, opened, ready = asyncio.Event(), [], asyncio.Semaphore(OPENING_AT_ONCE), []
        read_open = None
        if kind == "progress":
            from sqlalchemy import create_engine, text

            from domain.support.global_ids import Kind, pk_of

            engine = create_engine(args.database_url, pool_size=8)
            row = pk_of(args.message_id, Kind.MESSAGE)  # --message-id is the message's global id

            def read_open():
                with engine.connect() as connection:
                    return connection.execute(text("SELECT open_deliveries FROM message WHERE id = :id"),
                                              {"id": row}).scalar_one()

        listener = None
        if kind:  # every kind stamps the notices: the moment each ledger change was announced
            listener = asyncio.create_task(_notices(args.redis_url, args.channel, stamps, read_open, stop_event))
        tallied = kind in ("feed", "bare-feed")
        per_client: list = [FeedTally(args.message_id) if tallied else [] for _ in range(args.count)]
        if kind in ("bare", "bare-feed"):
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
        saved = [frames.saved() for frames in per_client] if tallied else per_client
        pathlib.Path(args.out).write_text(json.dumps({"stamps": stamps, "clients": saved, "cpu_s": cpu_s,
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


def feed_latencies(seen: dict, expected: int) -> tuple[collections.Counter, collections.Counter, int, int, int]:
    """Over every (client, event) of the message: (a histogram of milliseconds from the notice that
    announced the event to its receipt, the same from the event's occurredAt, events a client never
    received, events received twice or out of order, events no notice announced). The notice that
    announced an event is the first one stamped after its occurredAt (the worker publishes after the
    ledger write commits; an earlier chunk's notice landing between counts against Homeroom)."""
    import bisect

    stamps = sorted(stamped for stamped, _ in seen["stamps"])
    from_notice, from_ledger = collections.Counter(), collections.Counter()
    missing = repeated = unannounced = 0
    for tally in seen["clients"]:
        for arrived, occurred, count in tally["arrivals"]:
            from_ledger[max(0, round((arrived - occurred) * 1000))] += count
            index = bisect.bisect_left(stamps, occurred)
            if index == len(stamps):
                unannounced += count
                continue
            from_notice[max(0, round((arrived - stamps[index]) * 1000))] += count
        missing += max(0, expected - tally["count"])
        repeated += max(0, tally["count"] - expected) + tally["out_of_order"]
    return from_notice, from_ledger, missing, repeated, unannounced


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


def milliseconds(latencies: list[float]) -> collections.Counter:
    """Seconds as a histogram of whole milliseconds."""
    return collections.Counter(max(0, round(seconds * 1000)) for seconds in latencies)


def percentile(histogram: collections.Counter, fraction: float) -> float:
    """The ``fraction`` percentile of a millisecond histogram, in milliseconds."""
    total = sum(histogram.values())
    if not total:
        return float("nan")
    rank, seen = min(total - 1, int(fraction * total)), 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen > rank:
            return float(ms)
    raise AssertionError("unreachable")
