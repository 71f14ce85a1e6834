"""deliveryEvents, the query (issue 16 point 4): `endCursor` is where the page stopped looking at
the feed, not the last event the viewer may see. A quiet partner key (its schools idle while the
rest of the district is busy) moves past the events it may not see instead of passing the same old
cursor until retention expires it, and never past an event a running transaction can still commit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from domain.feed.positions import FeedPosition
from domain.feed.reading import SCAN_PER_EVENT
from feed_steps import FEED_PAGE, fanned_out, feed_head, finish, school_admin, settle, students_of, two_schools
from helpers import gid, gql
from jobs.queue_clock import queue_tick
from models.db import session_scope
from models.delivery_events import DeliveryEvent
from models.messaging import Delivery
from partner_key_steps import create_key


def _page(client, key: str, after: str | None, first: int = 100) -> dict:
    body = gql(client, FEED_PAGE, {"after": after, "first": first}, key)
    assert "errors" not in body, body
    return body["data"]["deliveryEvents"]


def _positions(engine, message_id: int) -> list[FeedPosition]:
    with session_scope(engine) as session:
        return [FeedPosition(tx, event_id) for tx, event_id in session.execute(
            select(DeliveryEvent.tx, DeliveryEvent.id).where(DeliveryEvent.message_id == message_id)
            .order_by(DeliveryEvent.tx, DeliveryEvent.id)).all()]


def _quiet_key(client, engine) -> tuple[str, int, int]:
    """A key of the first school only, and (first school, second school)."""
    quiet, busy = two_schools(engine)
    key = create_key(client, engine, scopes=("DELIVERIES_READ",), school_ids=[quiet])["secret"]
    return key, quiet, busy


def _read_to_the_end(client, key: str, cursor: str, first: int = 100) -> list[dict]:
    """Every node from ``cursor`` on, paging with `endCursor` while `hasNextPage` (at most 100 pages)."""
    seen = []
    for _ in range(100):
        page = _page(client, key, cursor, first=first)
        seen += [edge["node"] for edge in page["edges"]]
        cursor = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    return seen


def _one_quiet_event(client, engine):
    """A quiet key, the busy school's administrator, a message to one of the quiet school's students
    (the feed settled), the quiet key's cursor after it, and one of its deliveries."""
    key, quiet, busy = _quiet_key(client, engine)
    busy_login, _ = school_admin(engine, busy)
    quiet_login, _ = school_admin(engine, quiet)
    messages = [fanned_out(engine, quiet_login, students_of(engine, quiet, 1))]
    settle(engine)
    start = _page(client, key, feed_head(engine).cursor)["pageInfo"]["endCursor"]
    with session_scope(engine) as session:
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == messages[0])).scalars().first()
    return key, busy, busy_login, messages, start, delivery_id


def test_a_quiet_key_moves_its_cursor_past_the_events_it_may_not_see(client, engine):
    """issue 16 point 4: a key of school A polls while only school B has events: the page is empty
    for it, and `endCursor` moves past B's events instead of staying at the cursor passed in."""
    key, _, busy = _quiet_key(client, engine)
    busy_login, _ = school_admin(engine, busy)
    start = feed_head(engine).cursor
    message_id = fanned_out(engine, busy_login, students_of(engine, busy, 3))
    settle(engine)
    try:
        page = _page(client, key, start)
        assert page["edges"] == []
        assert page["pageInfo"]["hasNextPage"] is False
        end = FeedPosition.parse(page["pageInfo"]["endCursor"])
        assert end >= _positions(engine, message_id)[-1]  # looked past every one of B's events
        again = _page(client, key, page["pageInfo"]["endCursor"])  # nothing new: the cursor stays
        assert again["edges"] == [] and again["pageInfo"]["endCursor"] == page["pageInfo"]["endCursor"]
    finally:
        finish(engine, message_id)


def test_a_quiet_keys_advanced_cursor_survives_retention_and_misses_nothing(client, engine):
    """issue 16 point 4: once retention has pruned B's events, the quiet key's advanced cursor
    still reads (no CURSOR_EXPIRED: it missed nothing) and brings A's next events; the cursor it
    used to keep (the last event it saw, here its starting point) has expired."""
    key, quiet, busy = _quiet_key(client, engine)
    busy_login, _ = school_admin(engine, busy)
    quiet_login, _ = school_admin(engine, quiet)
    start = feed_head(engine).cursor
    messages = [fanned_out(engine, busy_login, students_of(engine, busy, 3))]
    settle(engine)
    try:
        advanced = _page(client, key, start)["pageInfo"]["endCursor"]
        with session_scope(engine) as session:  # B's events (and everything before them) are past retention
            session.execute(update(DeliveryEvent).values(occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
        settle(engine)  # retention prunes only below the commit horizon
        queue_tick()
        expired = gql(client, FEED_PAGE, {"after": start, "first": 100}, key)["errors"][0]
        assert expired["extensions"]["code"] == "CURSOR_EXPIRED"
        assert _page(client, key, advanced)["edges"] == []
        messages.append(fanned_out(engine, quiet_login, students_of(engine, quiet, 2)))
        settle(engine)
        seen = [edge["node"] for edge in _page(client, key, advanced)["edges"]]
        assert sorted(node["cursor"] for node in seen if node["messageId"] == gid("Message", messages[1])) == sorted(
            position.cursor for position in _positions(engine, messages[1]))
    finally:
        finish(engine, *messages)


def test_a_page_looks_at_a_bounded_number_of_events(client, engine):
    """issue 16 point 4: one page looks at no more than SCAN_PER_EVENT x `first` events of the feed;
    a page that stopped there says `hasNextPage`, and paging on reaches the key's events."""
    key, quiet, busy = _quiet_key(client, engine)
    busy_login, _ = school_admin(engine, busy)
    quiet_login, _ = school_admin(engine, quiet)
    start = feed_head(engine).cursor
    messages = [fanned_out(engine, busy_login, students_of(engine, busy, 2 * SCAN_PER_EVENT))]
    messages.append(fanned_out(engine, quiet_login, students_of(engine, quiet, 1)))
    settle(engine)
    try:
        busy_events = _positions(engine, messages[0])
        assert len(busy_events) > SCAN_PER_EVENT
        page = _page(client, key, start, first=1)
        assert page["edges"] == [] and page["pageInfo"]["hasNextPage"] is True
        assert FeedPosition.parse(page["pageInfo"]["endCursor"]) == busy_events[SCAN_PER_EVENT - 1]
        seen = _read_to_the_end(client, key, page["pageInfo"]["endCursor"], first=1)
        assert sorted(node["cursor"] for node in seen if node["messageId"] == gid("Message", messages[1])) == sorted(
            position.cursor for position in _positions(engine, messages[1]))
        assert not [node for node in seen if node["messageId"] == gid("Message", messages[0])]
    finally:
        finish(engine, *messages)


@pytest.mark.postgres
def test_the_cursor_never_passes_an_event_a_running_transaction_commits_later(client, engine):
    """issue 16 point 4: on PostgreSQL a transaction that changed one of A's deliveries (a lower
    event id) is still open while B's events commit after it. The quiet key's page looks only below
    the commit horizon, so its `endCursor` stays before the open transaction's event, and the next
    page, once it commits, brings it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids are in commit order")
    key, busy, busy_login, messages, start, delivery_id = _one_quiet_event(client, engine)
    late = engine.connect()
    try:
        late_tx = late.begin()
        late.execute(update(Delivery).where(Delivery.id == delivery_id).values(status="SENT"))  # the lower id
        messages.append(fanned_out(engine, busy_login, students_of(engine, busy, 3)))  # commits first
        page = _page(client, key, start)
        assert page["edges"] == []
        held = page["pageInfo"]["endCursor"]
        late_tx.commit()
        settle(engine)
        seen = _read_to_the_end(client, key, held)
    finally:
        late.close()
        finish(engine, *messages)
    assert [(node["deliveryId"], node["status"]) for node in seen if node["messageId"] == gid("Message", messages[0])] == [
        (gid("Delivery", delivery_id), "SENT")]
    assert not [node for node in seen if node["messageId"] == gid("Message", messages[1])]


@pytest.mark.postgres
def test_the_cursor_and_the_page_come_from_one_snapshot(client, engine):
    """issue 16 point 4: a transaction holding one of A's events (and the horizon) back commits
    while the page is being read, right after the statement that reads the events. `endCursor` is
    where that same statement stopped looking, so it stays before the event that just committed,
    and the next page brings it; a window end read again afterwards would have passed it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids are in commit order")
    key, busy, busy_login, messages, start, delivery_id = _one_quiet_event(client, engine)
    late = engine.connect()
    late_tx = late.begin()

    def commit_late_after_the_page_read(conn, cursor, statement, parameters, context, executemany):
        if "feed_window" in statement and late_tx.is_active:
            late_tx.commit()

    event.listen(Engine, "after_cursor_execute", commit_late_after_the_page_read)
    try:
        late.execute(update(Delivery).where(Delivery.id == delivery_id).values(status="SENT"))
        messages.append(fanned_out(engine, busy_login, students_of(engine, busy, 3)))  # commits after it
        page = _page(client, key, start)
        assert not late_tx.is_active  # it committed during the read
        assert not [edge for edge in page["edges"] if edge["node"]["messageId"] == gid("Message", messages[0])]
        cursor = page["pageInfo"]["endCursor"]
        settle(engine)
        seen = _read_to_the_end(client, key, cursor)
    finally:
        event.remove(Engine, "after_cursor_execute", commit_late_after_the_page_read)
        late.close()
        finish(engine, *messages)
    assert [(node["deliveryId"], node["status"]) for node in seen if node["messageId"] == gid("Message", messages[0])] == [
        (gid("Delivery", delivery_id), "SENT")]
