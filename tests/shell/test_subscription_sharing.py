"""Subscriptions that scale (issue 16 point 6): one Redis subscription per process however many
follow a message, one read per notice burst for all of a message's followers, nothing read while
idle, and subscribe_any() hearing every "message changed" notice."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import redis
from sqlalchemy import select
from websockets.asyncio.client import connect

from domain.access.viewer import load_viewer
from domain.delivery.progress_events import InProcessBus, RedisBus, make_bus
from graph.delivery import progress_watch
from harness import REDIS_URL, RUN_DIR, USES_REDIS
from helpers import count_statements, pk_of, token_for
from homeroom.settings import get_settings
from live_server import live_server
from models.db import session_scope
from models.directory import User

PROGRESS = """subscription($id: ID!) { messageProgress(messageId: $id) { messageId status total } }"""
SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
  ... on SaveDraftSuccess { message { id } } } }"""


def _admin(engine):
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        return load_viewer(session, user_id)


def _snapshot_reads(statements: list[str]) -> int:
    return sum(1 for statement in statements if "GROUP BY delivery.status" in statement)


def test_fifty_followers_of_a_message_share_one_read_per_burst_and_idle_reads_nothing(engine, client):
    """Issue 16 point 6: 50 subscribers of one message used to make 50 reads per notice and 25
    reads a second while idle. Now: one read per burst of notices, whatever the number of
    followers, and no read at all between notices (the fallback poll is FALLBACK_POLL_SECONDS)."""
    token = token_for(engine, "admin")
    message_id = pk_of(client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
        "query": SAVE_DRAFT, "variables": {"input": {"htmlBody": "<p>x</p>", "channels": ["EMAIL"]}}}
    ).json()["data"]["saveDraft"]["message"]["id"])
    viewer = _admin(engine)
    bus = InProcessBus()

    async def scenario():
        async with _followers(engine, bus, message_id, viewer, 50) as followers:
            firsts = [await asyncio.wait_for(follower.next(), 10) for follower in followers]
            with count_statements(engine) as idle:
                await asyncio.sleep(1.5)
            with count_statements(engine) as burst:
                # a burst of 20 notices from another thread, as dispatch publishes them
                await asyncio.to_thread(lambda: [bus.publish([message_id]) for _ in range(20)])
                await asyncio.sleep(progress_watch.MIN_READ_GAP_SECONDS * 6)
            return firsts, idle, burst

    firsts, idle, burst = asyncio.run(scenario())
    assert {first.status.value for first in firsts} == {"DRAFT"}
    assert idle == []
    assert 1 <= _snapshot_reads(burst) <= 2, burst  # one at the burst's first notice, one for the rest


class _followers:
    """``count`` followers of one message, as ``count`` subscribers would be."""

    def __init__(self, engine, bus, message_id, viewer, count):
        self.args, self.count = (engine, bus, message_id, viewer), count

    async def __aenter__(self):
        import contextlib

        self.stack = contextlib.AsyncExitStack()
        return [await self.stack.enter_async_context(progress_watch.follow(*self.args)) for _ in range(self.count)]

    async def __aexit__(self, *exc):
        await self.stack.aclose()


def test_subscribe_any_hears_every_changed_message():
    """Issue 16 point 6 (the delivery feed's wake-up): subscribe_any() yields the id of every
    message any publish names, on the process bus and (with Redis) across processes."""
    bus = make_bus(REDIS_URL or None)

    async def scenario():
        async with bus.subscribe_any() as changed:
            await asyncio.to_thread(bus.publish, [7, 3, 7])
            await asyncio.to_thread(bus.publish, [11])
            return [await asyncio.wait_for(changed.get(), 5) for _ in range(3)]

    assert asyncio.run(scenario()) == [3, 7, 11]


@pytest.mark.skipif(not USES_REDIS, reason="Redis pub/sub: the PostgreSQL + Redis pass")
def test_one_redis_subscription_per_process_however_many_sockets_follow(engine):
    """Issue 16 point 6: each subscriber used to open its own Redis connection. 40 sockets on one
    API process follow two messages, and each message's channel has ONE subscriber at Redis
    (PUBSUB NUMSUB is 1); the channels are dropped at Redis when the last socket leaves."""
    token = token_for(engine, "admin")
    bus = RedisBus(get_settings().redis_url)
    plain = redis.Redis.from_url(get_settings().redis_url)
    with live_server(RUN_DIR / "live-server-sharing.log") as server:
        ids = [httpx.post(f"{server.base_url}/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": SAVE_DRAFT, "variables": {"input": {"htmlBody": "<p>x</p>", "channels": ["EMAIL"]}}},
            timeout=60).json()["data"]["saveDraft"]["message"]["id"] for _ in range(2)]
        channels = [f"{bus.progress_prefix}{pk_of(message_id)}" for message_id in ids]  # the bus names rows

        async def subscriber(message_id: str):
            ws = await connect(server.ws_url, subprotocols=["graphql-transport-ws"], proxy=None, open_timeout=60)
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": PROGRESS, "variables": {"id": message_id}}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "next"
            return ws

        async def scenario():
            sockets = await asyncio.gather(*[subscriber(ids[i % 2]) for i in range(40)])
            during = dict(plain.pubsub_numsub(*channels))
            await asyncio.gather(*[ws.close() for ws in sockets])
            await asyncio.sleep(1)
            return during, dict(plain.pubsub_numsub(*channels))

        during, after = asyncio.run(scenario())
    assert [during[channel.encode()] for channel in channels] == [1, 1]
    assert [after[channel.encode()] for channel in channels] == [0, 0]


def test_followers_are_told_the_latest_only_so_a_slow_one_never_holds_the_watch():
    """Issue 16 point 7 (bounded queues): a follower holds one pending snapshot at most; a newer
    one replaces it, so completion is never stuck behind older counts and telling never waits."""
    follower = progress_watch.Follower(identity=(1, None))
    for status in ("SENDING", "SENDING", "COMPLETED"):
        follower.tell(status)
    assert asyncio.run(follower.next()) == "COMPLETED"
