"""Partner keys on live subscriptions (issue 16 points 3 and 7), on a real API process with the
real `websockets` client: a key is held to its own subscription limit, and a key granted one school
follows a message only when the message reached that school."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from feed_steps import fanned_out, finish, school_admin, students_of, two_schools
from harness import RUN_DIR
from helpers import gid, gids, token_for
from live_server import live_server
from partner_key_steps import CREATE

PROGRESS = """subscription($id: ID!) { messageProgress(messageId: $id) { messageId status total } }"""
KEY_LIMIT = 2


@pytest.fixture(scope="module")
def server(engine):
    with live_server(RUN_DIR / "live-server-keys.log", HOMEROOM_SUBSCRIPTIONS_PER_KEY=str(KEY_LIMIT)) as running:
        yield running


def _key(server, engine, scopes: list[str], school_ids: list[int] | None = None) -> str:
    variables = {"input": {"name": "live partner", "scopes": scopes}}
    if school_ids is not None:
        variables["input"]["schoolIds"] = gids("School", school_ids)
    response = httpx.post(f"{server.base_url}/graphql", timeout=60, json={"query": CREATE, "variables": variables},
                          headers={"Authorization": f"Bearer {token_for(engine, 'admin')}"})
    created = response.json()["data"]["createPartnerKey"]
    assert created["__typename"] == "PartnerKeyIssued", response.text
    return created["secret"]


async def _frames(server, key: str, message_ids: list[str]) -> list[dict]:
    """Subscribe to each message's progress on one socket opened with ``key``; the first frame of each."""
    async with connect(server.ws_url, subprotocols=["graphql-transport-ws"], proxy=None, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        frames = []
        for n, message_id in enumerate(message_ids):
            await ws.send(json.dumps({"id": f"p{n}", "type": "subscribe",
                                      "payload": {"query": PROGRESS, "variables": {"id": message_id}}}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame.get("id") == f"p{n}" and frame["type"] in ("next", "error"):
                    frames.append(frame)
                    break
        return frames


def test_a_partner_key_past_its_subscription_limit_is_refused(server, engine):
    """Issue 16 point 7: HOMEROOM_SUBSCRIPTIONS_PER_KEY (2 on this server) holds a real key; its
    third live subscription gets SUBSCRIPTION_LIMIT naming the key's limit, the first two stream."""
    school, _ = two_schools(engine)
    login, _ = school_admin(engine, school)
    message_id = fanned_out(engine, login, students_of(engine, school, 2))
    try:
        key = _key(server, engine, ["DELIVERIES_READ"])
        frames = asyncio.run(_frames(server, key, [gid("Message", message_id)] * (KEY_LIMIT + 1)))
    finally:
        finish(engine, message_id)
    assert [frame["type"] for frame in frames] == ["next"] * KEY_LIMIT + ["error"]
    assert frames[-1]["payload"][0]["extensions"] == {"code": "SUBSCRIPTION_LIMIT", "limit": "partner key",
                                                      "allowed": KEY_LIMIT}


def test_a_key_for_one_school_follows_only_that_school_s_messages(server, engine):
    """Issue 16 points 3 and 7: a key granted the first school follows the progress of a message
    to the first school's families; a message to the second school's answers NOT_FOUND, exactly as
    a missing id does."""
    first_school, second_school = two_schools(engine)
    first_login, _ = school_admin(engine, first_school)
    second_login, _ = school_admin(engine, second_school)
    ours = fanned_out(engine, first_login, students_of(engine, first_school, 2))
    theirs = fanned_out(engine, second_login, students_of(engine, second_school, 2))
    try:
        key = _key(server, engine, ["DELIVERIES_READ"], [first_school])
        seen, hidden, missing, other_kind = asyncio.run(_frames(server, key, [
            gid("Message", ours), gid("Message", theirs), gid("Message", 2**31 - 7), gid("Student", theirs)]))
    finally:
        finish(engine, ours, theirs)
    assert seen["type"] == "next" and seen["payload"]["data"]["messageProgress"]["messageId"] == gid("Message", ours)

    def refusal(frame: dict, message_id: str) -> list:
        errors = frame["payload"] if frame["type"] == "error" else frame["payload"]["errors"]
        return [(error["extensions"]["code"], error["message"].replace(message_id, "N")) for error in errors]

    assert refusal(hidden, gid("Message", theirs)) == refusal(missing, gid("Message", 2**31 - 7)) == refusal(
        other_kind, gid("Student", theirs)) == [("NOT_FOUND", "message N not found")]
