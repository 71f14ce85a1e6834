"""deliveryEvents, the subscription (issue 16 point 4): replay from a cursor, then stream through the
process's hub, resume after a disconnect with no event lost or repeated, within the viewer's scope;
and a follower that cannot keep up reads the database instead of holding the hub back."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from domain.delivery import progress_events
from domain.feed import hub as feed_hub
from domain.feed.follow import FeedFollower
from domain.feed.positions import FeedPosition
from domain.feed.scope import FeedScope
from feed_steps import FEED_SUBSCRIPTION, fanned_out, feed_head, finish, read_all, school_admin, students_of, two_schools
from helpers import gid
from models.db import session_scope
from models.messaging import Delivery
from resolve import viewer_for
from shared_steps import subscription_socket


def _ledger(engine, message_id: int) -> list[str]:
    with session_scope(engine) as session:
        return sorted(gid("Delivery", i) for i in session.execute(select(Delivery.id).where(Delivery.message_id == message_id))
                      .scalars())


def _receive(session, message_id: int, count: int) -> list[dict]:
    """Events (frames carry batches) until ``count`` of them belong to ``message_id``, cut just
    after that one, as a client that stops there resumes from its cursor. Others may come first: a
    position is "after every event readable now", and a colleague's message another test finished
    can still be behind the commit horizon (a transaction running anywhere on the server) then."""
    events = []
    while sum(event["messageId"] == gid("Message", message_id) for event in events) < count:
        frame = session.receive_json()
        assert frame["type"] == "next", frame
        batch = frame["payload"]["data"]["deliveryEvents"]
        assert batch["events"], "a frame never carries an empty batch"
        assert FeedPosition.parse(batch["endCursor"]) >= FeedPosition.parse(batch["events"][-1]["cursor"])
        events.extend(batch["events"])
    mine = [index for index, event in enumerate(events) if event["messageId"] == gid("Message", message_id)]
    return events[:mine[count - 1] + 1]


def _of(events: list[dict], message_id: int) -> list[dict]:
    return [event for event in events if event["messageId"] == gid("Message", message_id)]


def test_replays_then_streams_and_resumes_from_the_last_cursor_without_loss_or_repeat(client, engine, runtime):
    """issue 16 point 4: a school administrator subscribes after a cursor and first receives the
    events written before (replay), then those of a message sent while subscribed (streamed by the
    hub, woken by the bus's notice), never another school's; disconnected midway, they resubscribe
    with the last cursor they received and get exactly the rest."""
    first_school, second_school = two_schools(engine)
    login, token = school_admin(engine, first_school)
    other_login, _ = school_admin(engine, second_school)
    start = feed_head(engine).cursor
    before = fanned_out(engine, login, students_of(engine, first_school, 2))
    streamed = other = None
    ws, session = subscription_socket(client, token)
    try:
        session.send_json({"id": "f", "type": "subscribe", "payload": {
            "query": FEED_SUBSCRIPTION, "variables": {"after": start}}})
        replayed = _receive(session, before, len(_ledger(engine, before)))
        assert sorted(event["deliveryId"] for event in _of(replayed, before)) == _ledger(engine, before)
        other = fanned_out(engine, other_login, students_of(engine, second_school, 2))
        streamed = fanned_out(engine, login, students_of(engine, first_school, 3), channels=("EMAIL", "SMS"))
        progress_events.publish(runtime.events, [other, streamed])
        expected = _ledger(engine, streamed)
        assert len(expected) >= 4
        first_part = _receive(session, streamed, 2)
    finally:
        ws.__exit__(None, None, None)
    try:
        ws, session = subscription_socket(client, token)
        try:
            session.send_json({"id": "g", "type": "subscribe", "payload": {
                "query": FEED_SUBSCRIPTION, "variables": {"after": first_part[-1]["cursor"]}}})
            rest = _receive(session, streamed, len(expected) - 2)
        finally:
            ws.__exit__(None, None, None)
        received = replayed + first_part + rest
        assert sorted(event["deliveryId"] for event in _of(received, streamed)) == expected
        assert _of(received, other) == []  # the other school's message, sent between: nothing of it
        assert len({event["cursor"] for event in received}) == len(received)
        assert all(event["schoolId"] == gid("School", first_school) for event in received)
    finally:
        finish(engine, *[m for m in (before, other, streamed) if m is not None])


def test_a_follower_that_falls_behind_reads_the_database_and_loses_nothing(engine, monkeypatch):
    """issue 16 point 4: the hub never waits for a follower. With room for one batch, a follower
    that reads nothing while three messages go out misses the hub's later batches, is marked
    lagging, and reads them from the database: every event once, in feed order."""
    monkeypatch.setattr(feed_hub, "FOLLOWER_QUEUE", 1)
    school, _ = two_schools(engine)
    login, _ = school_admin(engine, school)
    with session_scope(engine) as session:
        scope = FeedScope(viewer_for(session, login))
    start = feed_head(engine)
    messages: list[int] = []

    async def authorize() -> FeedScope:
        return scope

    async def scenario() -> tuple[list, FeedFollower]:
        bus = progress_events.InProcessBus()
        hub = feed_hub.FeedHub(engine, bus)
        follower = FeedFollower(engine, hub, after=start, authorize=authorize)
        events = follower.events()
        received = []
        messages.append(fanned_out(engine, login, students_of(engine, school, 1)))
        received += (await asyncio.wait_for(anext(events), 30)).events  # the replay; the hub is running now
        for _ in range(3):
            messages.append(fanned_out(engine, login, students_of(engine, school, 2)))
            bus.publish([messages[-1]])
            last = read_all(engine, start)[0][-1].position
            for _ in range(200):  # until the hub has read it
                await asyncio.sleep(0.05)
                if hub.position is not None and hub.position >= last:
                    break
        wanted = [event for event in read_all(engine, start)[0] if event.message_id in messages]
        while sum(event.message_id in messages for event in received) < len(wanted):
            received += (await asyncio.wait_for(anext(events), 30)).events
        await events.aclose()
        return received, follower

    try:
        received, follower = asyncio.run(scenario())
        wanted = [event for event in read_all(engine, start)[0] if event.message_id in messages]
        mine = [event.position for event in received if event.message_id in messages]
        assert mine == [event.position for event in wanted]
        assert follower.times_lagged >= 1
    finally:
        finish(engine, *messages)


def test_followers_of_one_scope_share_one_view_of_each_batch(engine):
    """issue 16 point 6: five followers of one scope at one position receive the very same slice
    of a streamed batch, presented once (so executed and encoded once downstream), and the
    message's access is asked of the database once for all of them."""
    from domain.feed.follow import FeedSlice

    school, _ = two_schools(engine)
    login, _ = school_admin(engine, school)
    with session_scope(engine) as session:
        scope = FeedScope(viewer_for(session, login))
    start = feed_head(engine)
    presented: list[int] = []
    messages: list[int] = []

    def present(events, end):
        presented.append(len(events))
        return FeedSlice(tuple(events), end)

    async def authorize() -> FeedScope:
        return scope

    async def scenario():
        bus = progress_events.InProcessBus()
        hub = feed_hub.FeedHub(engine, bus)
        followers = [FeedFollower(engine, hub, after=start, authorize=authorize, present=present) for _ in range(5)]
        streams = [follower.events() for follower in followers]
        firsts = [asyncio.ensure_future(anext(stream)) for stream in streams]
        for _ in range(200):  # every follower registered and the hub at its head
            await asyncio.sleep(0.05)
            if len(hub.followers) == 5 and hub.position is not None:
                break
        messages.append(fanned_out(engine, login, students_of(engine, school, 2)))
        bus.publish(messages)
        slices = await asyncio.wait_for(asyncio.gather(*firsts), 30)
        for stream in streams:
            await stream.aclose()
        return slices, followers, hub

    try:
        slices, followers, hub = asyncio.run(scenario())
        assert all(found is slices[0] for found in slices)
        assert {event.message_id for event in slices[0].events} == set(messages)
        assert presented == [len(slices[0].events)]
        assert sum(follower.database_reads for follower in followers) <= 5  # the replays from `start`, if any
        assert list(hub.message_access) == []  # forgotten once nobody follows
    finally:
        finish(engine, *messages)
