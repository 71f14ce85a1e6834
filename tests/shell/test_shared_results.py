"""A subscription event handed to many subscribers is executed once per document and encoded once
(issue 16 point 6, graph.shared_results), and that is sound only while the shared types are plain
data: these tests hold both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLObjectType, get_named_type
from sqlalchemy import select
from starlette.testclient import TestClient

from feed_steps import FEED_SUBSCRIPTION, fanned_out, feed_head, finish, school_admin, students_of, two_schools
from graph.delivery.feed import DeliveryEventBatch
from graph.delivery.progress_types import MessageProgress
from graph.schema import build_schema
from helpers import gid, gids
from graph.shared_results import SharedData, SharedEventExecutionContext, encoded_next_frame, shared
from models.db import session_scope
from models.messaging import Delivery
from shared_steps import subscription_socket

#: Every type whose values the hubs mark as shared (graph.delivery.feed, graph.delivery.progress_watch).
SHARED_TYPES = {"DeliveryEventBatch": DeliveryEventBatch, "MessageProgress": MessageProgress}


def _reachable(schema, name: str) -> list[GraphQLObjectType]:
    seen: dict[str, GraphQLObjectType] = {}
    pending = [schema.get_type(name)]
    while pending:
        current = pending.pop()
        if not isinstance(current, GraphQLObjectType) or current.name in seen:
            continue
        seen[current.name] = current
        pending.extend(get_named_type(field.type) for field in current.fields.values())
    return list(seen.values())


def test_shared_subscription_types_are_plain_data_so_one_execution_serves_every_viewer():
    """A resolver below a shared type could read the viewer (a permission, a name): one
    subscriber's execution would then answer for another. None may have one: each field's value
    is an attribute of the object the hub made for the viewer's scope."""
    schema = build_schema(development=True)._schema
    for name in SHARED_TYPES:
        for graphql_type in _reachable(schema, name):
            definition = graphql_type.extensions["strawberry-definition"]
            resolved = [field.name for field in definition.fields if field.base_resolver is not None
                        or field.permission_classes or field.extensions]
            assert resolved == [], f"{graphql_type.name} (reachable from shared {name}) has resolvers: {resolved}"


calls: list[int] = []
events: list = []


@strawberry.type
class Item:
    @strawberry.field
    def value(self, times: int = 1) -> int:
        calls.append(times)
        return 7 * times


@strawberry.type
class _Query:
    nothing: int = 0


@strawberry.type
class _Subscription:
    @strawberry.subscription
    async def items(self) -> AsyncGenerator[Item, None]:
        for event in events:
            yield event


def test_one_execution_per_document_and_variables_among_subscribers_of_a_shared_event():
    """Three subscribers of one event with the same document get one execution (the same data
    object, encoded once); a different document or different variables execute on their own; an
    unshared event executes for each."""
    calls.clear()
    events[:] = [shared(Item()), Item()]
    schema = strawberry.Schema(query=_Query, subscription=_Subscription,
                               execution_context_class=SharedEventExecutionContext)

    async def follow(document: str, variables: dict | None = None) -> list:
        return [result async for result in await schema.subscribe(document, variable_values=variables)]

    async def scenario():
        same = [await follow("subscription { items { value } }") for _ in range(3)]
        other = await follow("subscription($n: Int!) { items { value(times: $n) } }", {"n": 2})
        other_variables = await follow("subscription($n: Int!) { items { value(times: $n) } }", {"n": 3})
        return same, other, other_variables

    same, other, other_variables = asyncio.run(scenario())
    shared_results = [results[0].data for results in same]
    assert all(data is shared_results[0] for data in shared_results)
    assert isinstance(shared_results[0], SharedData) and shared_results[0] == {"items": {"value": 7}}
    assert [results[1].data for results in same] == [{"items": {"value": 7}}] * 3
    assert not isinstance(same[0][1].data, SharedData)
    assert other[0].data == {"items": {"value": 14}} and other_variables[0].data == {"items": {"value": 21}}
    # the shared event: once for the first document, once per other (document, variables); the
    # unshared one: once per subscriber
    assert calls.count(1) == 1 + 3 and calls.count(2) == 2 and calls.count(3) == 2
    frame = encoded_next_frame({"id": "s1", "type": "next", "payload": {"data": shared_results[0]}})
    assert json.loads(frame) == {"id": "s1", "type": "next", "payload": {"data": {"items": {"value": 7}}}}
    assert encoded_next_frame({"id": "s1", "type": "next", "payload": {"data": same[0][1].data}}) is None


def test_two_followers_of_one_scope_receive_one_shared_frame_of_the_batch(client: TestClient, engine, runtime):
    """issue 16 point 6: two sockets of one school administrator following the feed receive the
    same frames: the events of a send in batches with their endCursor (the hub's view of a batch
    is made once per scope and executed once per document)."""
    from domain.delivery import progress_events

    school, _ = two_schools(engine)
    login, token = school_admin(engine, school)
    start = feed_head(engine).cursor
    first_socket, first = subscription_socket(client, token)
    second_socket, second = subscription_socket(client, token)
    message = None
    try:
        for session in (first, second):
            session.send_json({"id": "feed", "type": "subscribe", "payload": {
                "query": FEED_SUBSCRIPTION, "variables": {"after": start}}})
        message = fanned_out(engine, login, students_of(engine, school, 3))
        progress_events.publish(runtime.events, [message])
        with session_scope(engine) as db:
            expected = sorted(gids("Delivery", db.execute(
                select(Delivery.id).where(Delivery.message_id == message)).scalars()))
        received = {}
        for name, session in (("first", first), ("second", second)):
            frames = []
            while sorted(event["deliveryId"] for frame in frames for event in frame["events"]
                         if event["messageId"] == gid("Message", message)) != expected:
                frame = session.receive_json()
                assert frame["type"] == "next", frame
                frames.append(frame["payload"]["data"]["deliveryEvents"])
            received[name] = frames
        assert received["first"] == received["second"]
    finally:
        for socket in (first_socket, second_socket):
            socket.__exit__(None, None, None)
        if message is not None:
            finish(engine, message)


class _Holder:
    """A subscription's context as graph.access_rechecks sees it: a credential and fresh_viewer()."""

    def __init__(self, credential: str, checks: list) -> None:
        self.request, self.connection_params, self._checks = None, {"Authorization": credential}, checks

    def fresh_viewer(self):
        self._checks.append(self.connection_params["Authorization"])
        return "the viewer"


def test_a_credential_is_checked_again_once_for_all_its_holders_within_the_shared_window(monkeypatch):
    """issue 16 points 6 and 7: a thousand subscriptions of one partner key re-checking access
    make one database read, not a thousand; another credential is checked on its own, and once
    the window has passed the next check reads again."""
    from graph import access_rechecks

    checks: list[str] = []

    async def scenario():
        same = [_Holder("Bearer key-one", checks) for _ in range(50)]
        answers = await asyncio.gather(*(access_rechecks.fresh_viewer(holder) for holder in same))
        await access_rechecks.fresh_viewer(_Holder("Bearer key-two", checks))
        monkeypatch.setattr(access_rechecks, "SHARED_FOR_SECONDS", 0.0)
        await asyncio.sleep(0.01)
        await access_rechecks.fresh_viewer(same[0])
        return answers

    answers = asyncio.run(scenario())
    assert answers == ["the viewer"] * 50
    assert checks == ["Bearer key-one", "Bearer key-two", "Bearer key-one"]
