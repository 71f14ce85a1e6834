"""deliveryEvents, the query (issue 16 point 4): pages of the feed after a cursor, scoped to what
the viewer may read, and cursors that expire with the retention instead of skipping."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from domain.feed.positions import FeedPosition
from feed_steps import FEED_PAGE, fanned_out, feed_head, finish, school_admin, settle, students_of, two_schools
from helpers import gid, gql, token_for
from jobs.queue_clock import queue_tick
from models.db import session_scope
from models.delivery_events import DeliveryEvent
from models.messaging import Delivery


def _page(client, token, after=None, schools=None, first=100):
    return gql(client, FEED_PAGE, {"after": after, "schools": schools, "first": first}, token)


def _all_pages(client, token, after, schools=None, first=100) -> list[dict]:
    nodes = []
    while True:
        page = _page(client, token, after, schools, first)["data"]["deliveryEvents"]
        nodes += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes


def test_a_school_administrator_sees_their_school_and_nothing_of_another(client, engine):
    """issue 16 point 4, PERM-06: a staff user of one school sees the events of messages they may
    read and nothing of another school's message, even when they ask for that school; a district
    administrator sees both, and `schools` narrows to one. Pages follow each other without repeats."""
    first_school, second_school = two_schools(engine)
    first_login, first_token = school_admin(engine, first_school)
    second_login, _ = school_admin(engine, second_school)
    start = feed_head(engine).cursor
    theirs = fanned_out(engine, second_login, students_of(engine, second_school, 3))
    mine = fanned_out(engine, first_login, students_of(engine, first_school, 3))
    settle(engine)
    try:
        with session_scope(engine) as session:
            ledger = {message_id: sorted(gid("Delivery", i) for i in session.execute(
                select(Delivery.id).where(Delivery.message_id == message_id)).scalars()) for message_id in (mine, theirs)}
        seen = _all_pages(client, first_token, start, first=2)
        # (A colleague's message another test finished may still come after `start`: see feed_steps.feed_head.)
        assert sorted(node["deliveryId"] for node in seen if node["messageId"] == gid("Message", mine)) == ledger[mine]
        assert not [node for node in seen if node["messageId"] == gid("Message", theirs)]
        assert {node["schoolId"] for node in seen} == {gid("School", first_school)}
        assert len({node["cursor"] for node in seen}) == len(seen)
        assert _all_pages(client, first_token, start, schools=[gid("School", second_school)]) == []

        district = token_for(engine, "admin")
        every = [node for node in _all_pages(client, district, start, first=100)
                 if node["messageId"] in (gid("Message", mine), gid("Message", theirs))]
        assert sorted(node["deliveryId"] for node in every) == sorted(ledger[mine] + ledger[theirs])
        narrowed = _all_pages(client, district, start, schools=[gid("School", second_school)])
        assert sorted(node["deliveryId"] for node in narrowed) == ledger[theirs]
        for not_a_school in (str(second_school), gid("Student", second_school)):  # a raw number, another kind's id
            assert _all_pages(client, district, start, schools=[not_a_school]) == [], not_a_school
        assert all(set(node) == {"cursor", "deliveryId", "messageId", "schoolId", "channel", "status", "reason",
                                 "occurredAt"} for node in every)  # ids and statuses, never names or addresses
    finally:
        finish(engine, mine, theirs)


def test_bad_arguments_are_refused(client, engine):
    """issue 16 point 4, issue 17 point 1: `first` is 1 to 100 (the one page-size rule) and a
    cursor must be one of the feed's."""
    token = token_for(engine, "admin")
    for first in (0, 101):
        error = _page(client, token, first=first)["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    for cursor in ("nonsense", "ZmVlZDp2MTphOmI="):
        assert _page(client, token, after=cursor)["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_cursor_older_than_the_retention_expires_and_a_newer_one_loses_nothing(client, engine):
    """issue 16 point 4: the queue run prunes events past HOMEROOM_DELIVERY_EVENT_RETENTION_HOURS as
    a prefix of the feed; a cursor before the pruned mark answers CURSOR_EXPIRED instead of skipping,
    a cursor at the mark still reads every later event, and a young event stops the prefix."""
    school, _ = two_schools(engine)
    login, token = school_admin(engine, school)
    start = feed_head(engine).cursor
    message_id = fanned_out(engine, login, students_of(engine, school, 3))
    settle(engine)
    try:
        nodes = _all_pages(client, token, start)
        assert len(nodes) >= 4
        with session_scope(engine) as session:  # everything is old but the message's fourth event
            session.execute(update(DeliveryEvent).values(occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
            young = FeedPosition.parse(nodes[3]["cursor"]).event_id
            session.execute(update(DeliveryEvent).where(DeliveryEvent.id == young)
                            .values(occurred_at=dt.datetime.now(dt.UTC)))
        settle(engine)  # retention prunes only below the commit horizon
        queue_tick()
        expired = _page(client, token, after=nodes[1]["cursor"])["errors"][0]
        assert expired["extensions"]["code"] == "CURSOR_EXPIRED"
        assert _page(client, token, after=start)["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
        rest = _all_pages(client, token, nodes[2]["cursor"])
        assert [node["cursor"] for node in rest] == [node["cursor"] for node in nodes[3:]]
        assert _page(client, token)["data"]["deliveryEvents"]["edges"][0]["node"]["cursor"] == nodes[3]["cursor"]
    finally:
        finish(engine, message_id)
