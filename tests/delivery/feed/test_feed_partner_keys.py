"""issue 16 point 4 (acceptance, with real keys): a partner key created through the API with
`deliveries:read` for one school pages the delivery feed and sees nothing of the district's other
schools; a key without that scope is refused. (The subscription with a key: the graphql-ws
acceptance test, tests/delivery/feed/test_feed_graphql_ws.py.)"""

from __future__ import annotations

from feed_steps import FEED_PAGE, fanned_out, feed_head, finish, school_admin, settle, students_of, two_schools
from helpers import gid, gql, pk_of
from partner_key_steps import create_key


def _events_over_http(client, key: str, after: str, message_ids: set[int]) -> list[dict]:
    events, cursor = [], after
    while True:
        body = gql(client, FEED_PAGE, {"after": cursor, "first": 100}, key)
        assert "errors" not in body, body
        page = body["data"]["deliveryEvents"]
        events += [edge["node"] for edge in page["edges"] if pk_of(edge["node"]["messageId"]) in message_ids]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        cursor = page["pageInfo"]["endCursor"]


def test_a_key_for_one_school_follows_that_school_and_nothing_else(client, engine):
    """issue 16 point 4: the key's pages carry the first school's events of a send to both schools'
    families, each once, and not one of the second school's."""
    first_school, second_school = two_schools(engine)
    key = create_key(client, engine, scopes=("DELIVERIES_READ",), school_ids=[first_school])["secret"]
    first_login, _ = school_admin(engine, first_school)
    second_login, _ = school_admin(engine, second_school)
    start = feed_head(engine).cursor
    messages = {fanned_out(engine, first_login, students_of(engine, first_school, 3)),
                fanned_out(engine, second_login, students_of(engine, second_school, 3))}
    try:
        settle(engine)
        seen = _events_over_http(client, key, start, messages)
        assert seen and {event["schoolId"] for event in seen} == {gid("School", first_school)}
        assert len({event["cursor"] for event in seen}) == len(seen)  # nothing twice
    finally:
        finish(engine, *messages)


def test_a_key_without_the_scope_is_refused_the_feed(client, engine):
    """issue 16 points 3 and 4: a directory-only key asking for the feed gets FORBIDDEN naming the
    scope it lacks."""
    key = create_key(client, engine, scopes=("DIRECTORY_READ",))["secret"]
    body = gql(client, FEED_PAGE, {"after": None, "first": 10}, key)
    assert body["data"] is None or body["data"]["deliveryEvents"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and error["extensions"]["scopes"] == ["deliveries:read"]
