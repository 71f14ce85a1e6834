"""The bare Starlette broadcast of bench/subscriptions.py (its own process: ``--serve-bare PORT``)."""

from __future__ import annotations

import asyncio
import json


def serve_bare(port: int, redis_url: str, channel: str, database_url: str, after: str) -> None:
    """The same two streams with nothing of Homeroom's: at ``/ws`` each Redis notice on ``channel``
    relayed to every socket as ``{"seq": n}``; at ``/events`` the delivery feed after ``after``,
    each page of up to HUB_PAGE events read at a notice with one statement below the same commit
    horizon (domain.feed.reading), encoded once as ``{"events": [...]}`` with the fields the
    Homeroom clients select, and written to every socket. No GraphQL, no authentication, no scope,
    no queue: the floor for sending the same bytes from one process."""
    import redis.asyncio as aioredis
    import uvicorn
    from sqlalchemy import create_engine, text
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from domain.feed.hub import HELD_BACK_POLL_SECONDS, HUB_PAGE
    from domain.feed.positions import FeedPosition
    from domain.support.global_ids import Kind, global_id

    notice_sockets: set[WebSocket] = set()
    event_sockets: set[WebSocket] = set()
    engine = create_engine(database_url, pool_size=2)
    wake = asyncio.Event()

    def route(sockets: set[WebSocket], hello: str):
        async def endpoint(websocket: WebSocket) -> None:
            await websocket.accept()
            sockets.add(websocket)
            await websocket.send_text(hello)
            try:
                while True:
                    await websocket.receive_text()
            except WebSocketDisconnect:
                sockets.discard(websocket)
        return endpoint

    async def broadcast(sockets: set[WebSocket], text_frame: str) -> None:
        for websocket in list(sockets):
            try:
                await websocket.send_text(text_frame)
            except Exception:  # noqa: BLE001
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
            wake.set()
            await broadcast(notice_sockets, json.dumps({"seq": seq}))

    def read(position: FeedPosition) -> tuple[list, bool]:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT tx, id, message_id, status, occurred_at FROM delivery_event "
                "WHERE (tx, id) > (:tx, :id) AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                "ORDER BY tx, id LIMIT :limit"), {"tx": position.tx, "id": position.event_id,
                                                  "limit": HUB_PAGE + 1}).all()
            held = connection.execute(text(
                "SELECT EXISTS (SELECT 1 FROM delivery_event WHERE (tx, id) > (:tx, :id) "
                "AND tx >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"),
                {"tx": position.tx, "id": position.event_id}).scalar()
        return rows, bool(held)

    async def feed() -> None:
        position = FeedPosition.parse(after)
        while True:
            try:
                await asyncio.wait_for(wake.wait(), HELD_BACK_POLL_SECONDS)
            except TimeoutError:
                pass
            wake.clear()
            while True:
                rows, held = await asyncio.to_thread(read, position)
                page = rows[:HUB_PAGE]
                if page:
                    position = FeedPosition(int(page[-1].tx), int(page[-1].id))
                    events = [{"cursor": FeedPosition(int(row.tx), int(row.id)).cursor,
                               "messageId": global_id(Kind.MESSAGE, row.message_id), "status": row.status,
                               "occurredAt": row.occurred_at.isoformat()} for row in page]
                    await broadcast(event_sockets, json.dumps({"events": events}, separators=(",", ":")))
                if len(rows) <= HUB_PAGE:
                    break
            if held:
                wake.set()  # read again after HELD_BACK_POLL_SECONDS, as the hub does

    async def lifespan(_app):
        tasks = [asyncio.create_task(relay()), asyncio.create_task(feed())]
        yield
        for task in tasks:
            task.cancel()

    app = Starlette(routes=[WebSocketRoute("/ws", route(notice_sockets, json.dumps({"seq": 0}))),
                            WebSocketRoute("/events", route(event_sockets, json.dumps({"events": []})))],
                    lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_per_message_deflate=False)
