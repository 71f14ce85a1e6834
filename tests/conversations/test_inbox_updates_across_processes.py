"""inboxUpdates crosses processes (issue 15's acceptance): two real uvicorn API processes share
Redis; the teacher's graphql-transport-ws subscription is on the first, the parent's message
arrives through the second (fanned out by the request there, announced by the worker process),
and the notice reaches the teacher with the right thread and unread total, never content, and
reaches nobody else."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from domain.conversations.threads.thread_sides import thread_between
from factories import add_contact, add_section, add_student, add_user, email, first_school_id, unique
from harness import RUN_DIR, USES_REDIS
from helpers import gid, make_user, pk_of, set_district, token_for
from live_server import live_server
from models.db import session_scope
from models.directory import Role, User
from models.messaging import Message

pytestmark = pytest.mark.skipif(
    not USES_REDIS, reason="API processes share notices only through Redis; without it (embedded mode) "
                           "there is one process, covered by test_inbox_updates.py")

INBOX_UPDATES = "subscription { inboxUpdates { change threadId messageId unreadTotal } }"
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } } } }"""
REPLY = """mutation($input: ReplyInThreadInput!) { replyInThread(input: $input) { __typename
  ... on ReplyInThreadSuccess { message { id } } ... on ReplyInThreadErrors { errors { code } } } }"""
QUIET_SECONDS = 3.0


@pytest.fixture(scope="module")
def api_processes(engine, worker_process):
    """Two API processes on the run's database and Redis (the worker process runs the jobs)."""
    with live_server(RUN_DIR / "live-server-inbox-1.log") as first, \
            live_server(RUN_DIR / "live-server-inbox-2.log") as second:
        yield first, second


def parent_and_teacher(engine) -> tuple[int, str, int, str]:
    """A parent and their child's teacher: (id, token) of each."""
    school = first_school_id(engine)
    parent = add_user(engine, "PARENT", profile="Parent", email=email("parent"))
    kid = add_student(engine, school)
    add_contact(engine, kid, user_id=parent, email=email("contact"))
    teacher = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email("teacher"))
    add_section(engine, school, teacher_ids=[teacher], student_ids=[kid])
    with session_scope(engine) as session:
        logins = [session.get(User, user_id).login for user_id in (parent, teacher)]
    return parent, token_for(engine, logins[0]), teacher, token_for(engine, logins[1]), kid


async def subscribed(server, token: str):
    """A socket with an inboxUpdates subscription, past its first frame (listening from then on)."""
    ws = await connect(server.ws_url, subprotocols=["graphql-transport-ws"], proxy=None, open_timeout=60)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "i", "type": "subscribe", "payload": {"query": INBOX_UPDATES}}))
    first = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
    assert first["type"] == "next", first
    return ws, first["payload"]["data"]["inboxUpdates"]


async def next_frame(ws, timeout: float = 30) -> tuple[str, dict]:
    raw = await asyncio.wait_for(ws.recv(), timeout=timeout)
    frame = json.loads(raw)
    assert frame["type"] == "next", frame
    return raw, frame["payload"]["data"]["inboxUpdates"]


async def start_conversation(server, token: str, kid: int) -> str:
    """The teacher writes to the kid's contacts, replies allowed: the thread with the parent."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        response = await http.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": SEND, "variables": {"input": {
                "subject": unique("Reading log "), "htmlBody": "<p>Please sign the reading log.</p>",
                "channels": ["EMAIL"], "recipientType": "ALL_CONTACTS", "studentIds": [gid("Student", kid)],
                "allowReply": True}}})
    sent = response.json()["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", response.text
    return sent["message"]["id"]


async def reply(server, token: str, thread_id: int, body: str) -> str:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        response = await http.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": REPLY, "variables": {"input": {"threadId": gid("Thread", thread_id), "body": f"<p>{body}</p>"}}})
    replied = response.json()["data"]["replyInThread"]
    assert replied["__typename"] == "ReplyInThreadSuccess", response.text
    return replied["message"]["id"]


def test_inbox_updates_cross_processes_without_content_or_other_users_threads(api_processes, engine):
    """Covers INB-02 and issue 15's "inboxUpdates crosses processes": the teacher subscribes on
    process 1, another teacher on process 2; the teacher writes to the parent, and the parent's
    reply (replyInThread), sent through process 2, reaches the teacher as a MESSAGE notice with the
    thread between them and unread total 1; a second reply with a flagged word reaches them as a
    notice with total 2 and nothing of its text; the other teacher's subscription receives nothing."""
    first, second = api_processes
    parent, parent_token, teacher, teacher_token, kid = parent_and_teacher(engine)
    word = unique("brawl").lower()
    previous = set_district(engine, flagged_words=[word])
    flagged_body = f"There was a {unique('Playground ')} {word} today"

    async def scenario():
        await start_conversation(first, teacher_token, kid)
        with session_scope(engine) as session:
            thread_id = thread_between(session, parent, teacher).id
        mine, initial = await subscribed(first, teacher_token)
        theirs, _ = await subscribed(second, make_user(engine, Role.TEACHER))
        try:
            plain = await reply(second, parent_token, thread_id, "Can I pick her up at 2?")
            _, arrival = await next_frame(mine)
            flagged = await reply(second, parent_token, thread_id, flagged_body)
            raw, flagged_arrival = await next_frame(mine)
            with pytest.raises(TimeoutError):
                print("other user's frame:", await asyncio.wait_for(theirs.recv(), timeout=QUIET_SECONDS))
            return initial, plain, arrival, flagged, raw, flagged_arrival
        finally:
            await mine.close()
            await theirs.close()

    try:
        initial, plain, arrival, flagged, raw, flagged_arrival = asyncio.run(scenario())
    finally:
        set_district(engine, **previous)
    with session_scope(engine) as session:
        thread = gid("Thread", thread_between(session, parent, teacher).id)
        assert session.get(Message, pk_of(flagged)).flagged
    assert initial == {"change": None, "threadId": None, "messageId": None, "unreadTotal": 0}
    assert arrival == {"change": "MESSAGE", "threadId": thread, "messageId": plain, "unreadTotal": 1}
    assert flagged_arrival == {"change": "MESSAGE", "threadId": thread, "messageId": flagged, "unreadTotal": 2}
    assert word not in raw and "Playground" not in raw
