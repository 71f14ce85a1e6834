"""Who follows the delivery feed (issue 16 point 4, PERM-06): a partner key sees its schools only;
access is checked again while a subscription runs, and a deactivated account is closed out (4403)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from starlette.websockets import WebSocketDisconnect

from domain.access.scopes import KeyGrant, Scope
from domain.access.viewer import load_viewer
from domain.delivery import progress_events
from domain.feed.scope import FeedScope
from feed_steps import FEED_SUBSCRIPTION, fanned_out, feed_head, finish, read_all, school_admin, students_of, two_schools
from helpers import gid
from models.db import session_scope
from models.directory import AccountStatus, User
from shared_steps import subscription_socket


def _user_id(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def test_a_partner_key_sees_the_events_of_its_schools_only(engine):
    """issue 16 point 4: a key acting for a district administrator, granted one school, reads that
    school's events and neither the other school's nor those without a school; `schools` naming a
    school outside the key matches nothing."""
    first_school, second_school = two_schools(engine)
    first_login, _ = school_admin(engine, first_school)
    second_login, _ = school_admin(engine, second_school)
    start = feed_head(engine)
    messages = [fanned_out(engine, first_login, students_of(engine, first_school, 2)),
                fanned_out(engine, second_login, students_of(engine, second_school, 2))]
    try:
        with Session(engine) as session:
            key = KeyGrant(key_id=1, scopes=frozenset({Scope.DELIVERIES_READ}), school_ids=frozenset({first_school}))
            viewer = load_viewer(session, _user_id(engine, "admin"), key)
        events, _ = read_all(engine, start, FeedScope(viewer))
        everything, _ = read_all(engine, start)
        assert {event.school_id for event in events} == {first_school}
        assert sorted(event.delivery_id for event in events if event.message_id in messages) == sorted(
            event.delivery_id for event in everything if event.message_id == messages[0])
        assert read_all(engine, start, FeedScope(viewer, frozenset({second_school})))[0] == []
        narrowed = read_all(engine, start, FeedScope(viewer, frozenset({first_school})))[0]
        assert {event.message_id for event in narrowed} & set(messages) == {messages[0]}
    finally:
        finish(engine, *messages)


def test_a_subscription_closes_when_the_account_is_deactivated(client, engine, runtime, monkeypatch):
    """issue 16 point 4: access is checked again while the feed streams; once the account is
    deactivated the next check closes the socket with 4403 instead of sending more events."""
    import graph.access_rechecks as access_rechecks
    import graph.delivery.feed as feed_graph

    monkeypatch.setattr(feed_graph, "ACCESS_RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(access_rechecks, "SHARED_FOR_SECONDS", 0.0)  # no other holder's check answers
    school, _ = two_schools(engine)
    login, token = school_admin(engine, school)
    colleague, _ = school_admin(engine, school)
    start = feed_head(engine).cursor
    messages = [fanned_out(engine, login, students_of(engine, school, 1))]
    ws, session = subscription_socket(client, token)
    try:
        session.send_json({"id": "f", "type": "subscribe", "payload": {
            "query": FEED_SUBSCRIPTION, "variables": {"after": start}}})
        assert session.receive_json()["type"] == "next"
        with session_scope(engine) as db:
            db.execute(update(User).where(User.login == login).values(status=AccountStatus.INACTIVE.value))
        messages.append(fanned_out(engine, colleague, students_of(engine, school, 1)))
        progress_events.publish(runtime.events, messages[-1:])
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                frame = session.receive_json()
                assert frame["type"] == "next"
                assert all(event["messageId"] != gid("Message", messages[1])
                           for event in frame["payload"]["data"]["deliveryEvents"]["events"])
        assert closed.value.code == 4403
    finally:
        ws.__exit__(None, None, None)
        finish(engine, *messages)
