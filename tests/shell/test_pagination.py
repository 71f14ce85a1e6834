"""Issue 17 point 1: one connection shape, paged both ways with keyset cursors, checked against a
plain list model on real rows; one page-size rule; totalCount counted only when selected."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from domain.conversations.drafts.portal_alerts import AlertKind, raise_alert
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_student, email, first_school_id, phone, unique
from helpers import count_statements, gid, gids, gql, make_user, token_for
from models.db import session_scope
from models.directory import Role, StudentGroup, StudentGroupAssignee, User
from resolve import request, viewer_for

PAGE = """query($search: String, $first: Int, $after: String, $last: Int, $before: String) {
  students(search: $search, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage } edges { cursor node { id } } nodes { id } } }"""
COUNTED = PAGE.replace("pageInfo {", "totalCount pageInfo {")
ALERTS = """query($first: Int, $after: String, $last: Int, $before: String) {
  portalAlerts(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage } edges { cursor node { id } } nodes { id } } }"""
GROUPS = """query($first: Int, $after: String, $last: Int, $before: String) {
  studentGroups(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage } edges { cursor node { id } } nodes { id } } }"""
SIZE = 9


def _cursor(kind: str, key) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def _model(ids: list[int], first, after, last, before) -> tuple[list[int], bool, bool]:
    """The page a plain list (``ids`` in list order) gives: ids between the cursors, the first or
    last n of them, and whether rows of the list lie after or before the page (a cursor's own row
    counts)."""
    start = ids.index(after) + 1 if after is not None else 0
    stop = ids.index(before) if before is not None else len(ids)
    between = ids[start:stop] if start <= stop else []
    if last is not None:
        page = between[-last:]
        has_previous = len(between) > last or (after is not None and start > 0)
        has_next = before is not None and stop < len(ids)
    else:
        page = between[:first]
        has_next = len(between) > first or (before is not None and stop < len(ids))
        has_previous = after is not None and start > 0
    return page, has_next, has_previous


def _students(engine) -> tuple[dict, list[int]]:
    """SIZE students only one search finds: the variables that list them, and their ids in list order (id)."""
    name = unique("Paged")
    school = first_school_id(engine)
    return {"search": name}, [add_student(engine, school, last_name=name) for _ in range(SIZE)]


def _alerts(engine, login: str) -> list[int]:
    """SIZE portal alerts of ``login``, in list order (newest first)."""
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
        ids = [raise_alert(session, None, user_id=user_id, kind=AlertKind.DRAFT_ASSIGNED, text=f"alert {n}").id
               for n in range(SIZE)]
    return ids[::-1]


def _groups(engine, user_id: int) -> tuple[list[int], dict[int, str]]:
    """SIZE student groups assigned to the user, names repeated and out of id order: their ids in
    list order (name, then id) and each one's name."""
    names = ["delta", "alpha", "delta", "charlie", "alpha", "bravo", "echo", "alpha", "charlie"][:SIZE]
    with session_scope(engine) as session:
        groups = [StudentGroup(name=name) for name in names]
        session.add_all(groups)
        session.flush()
        session.add_all([StudentGroupAssignee(group_id=group.id, user_id=user_id) for group in groups])
        named = {group.id: group.name for group in groups}
    return sorted(named, key=lambda i: (named[i], i)), named


def _check_against_model(client, token: str, document: str, field: str, kind: str, variables: dict,
                         ids: list[int], cursor_of) -> None:
    cursor = st.one_of(st.none(), st.sampled_from(ids))

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(forward=st.booleans(), size=st.integers(min_value=1, max_value=SIZE + 2), after=cursor, before=cursor)
    def check(forward, size, after, before):
        first, last = (size, None) if forward else (None, size)
        expected, has_next, has_previous = _model(ids, first, after, last, before)
        body = gql(client, document, {**variables, "first": first, "last": last,
                                      "after": cursor_of(after) if after else None,
                                      "before": cursor_of(before) if before else None}, token)
        assert "errors" not in body, body
        page = body["data"][field]
        assert [edge["node"]["id"] for edge in page["edges"]] == gids(kind, expected)
        assert [node["id"] for node in page["nodes"]] == gids(kind, expected)
        assert [edge["cursor"] for edge in page["edges"]] == [cursor_of(i) for i in expected]
        info = page["pageInfo"]
        assert (info["hasNextPage"], info["hasPreviousPage"]) == (has_next, has_previous), (first, after, last, before)
        assert info["startCursor"] == (cursor_of(expected[0]) if expected else None)
        assert info["endCursor"] == (cursor_of(expected[-1]) if expected else None)

    check()


def test_issue_17_point_1_pages_match_a_plain_list_both_ways(client, engine):
    """Issue 17 point 1: for any first/after or last/before (cursors at either end, crossed
    cursors included), the page's rows, cursors and both pageInfo flags are those of a plain list
    of the same rows: on a list in id order (students), one newest first (portalAlerts) and one
    sorted by name with ties (studentGroups)."""
    variables, ids = _students(engine)
    _check_against_model(client, token_for(engine, "admin"), PAGE, "students", "Student", variables, ids,
                         lambda i: _cursor("student", i))
    login = unique("alerted.")
    token = make_user(engine, Role.TEACHER, login=login)
    _check_against_model(client, token, ALERTS, "portalAlerts", "PortalAlert", {}, _alerts(engine, login),
                         lambda i: _cursor("alert", i))
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
    ids, named = _groups(engine, user_id)
    _check_against_model(client, token, GROUPS, "studentGroups", "StudentGroup", {}, ids,
                         lambda i: _cursor("student-group", json.dumps([named[i], i], separators=(",", ":"))))


def test_issue_17_point_1_walking_backward_from_the_end_reads_the_list_reversed(client, engine):
    """Issue 17 point 1: last/before from the end to the start visits every row once, in order."""
    token = token_for(engine, "admin")
    variables, ids = _students(engine)
    seen, before = [], None
    while True:
        page = gql(client, COUNTED, {**variables, "last": 4, "before": before}, token)["data"]["students"]
        seen = [n["id"] for n in page["nodes"]] + seen
        assert page["totalCount"] == SIZE
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert seen == gids("Student", ids)


def test_issue_17_point_1_first_with_last_and_sizes_outside_1_to_100_are_coded_errors(client, engine):
    """Issue 17 point 1: first and last together, and a size outside 1..100, are BAD_USER_INPUT
    with the argument named."""
    token = token_for(engine, "admin")
    for variables, argument in (({"first": 5, "last": 5}, "last"), ({"first": 101}, "first"),
                                ({"last": 0}, "last"), ({"first": 0}, "first")):
        body = gql(client, PAGE, variables, token)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body
        assert error["extensions"]["argument"] == argument, body
    assert "errors" not in gql(client, PAGE, {"first": 100}, token)


def test_issue_17_point_1_a_cursor_of_another_list_or_shape_is_refused(client, engine):
    """Issue 17 point 1: a cursor is valid only for its own list: another list's, a sorted list's
    key of the wrong shape or types, and text that is no cursor are BAD_USER_INPUT."""
    token = token_for(engine, "admin")
    for document, cursor in ((GROUPS, _cursor("student", 5)), (GROUPS, _cursor("student-group", 5)),
                             (GROUPS, _cursor("student-group", '["a","b"]')),
                             (GROUPS, _cursor("student-group", '[1,"a"]')),
                             (GROUPS, _cursor("student-group", '["a\\u0000",1]')),
                             (PAGE, _cursor("student", '["a",1]')), (PAGE, "not a cursor")):
        body = gql(client, document, {"after": cursor}, token)
        assert [error["extensions"]["code"] for error in body.get("errors") or []] == ["BAD_USER_INPUT"], body


DELIVERIES = """query($id: ID!) { message(id: $id) { deliveries(first: 2) { %s edges { node { id } } } } }"""


def test_issue_17_point_1_total_count_is_counted_only_when_selected(client, engine):
    """Issue 17 point 1 (and the speed section): deliveries(first:) without totalCount does not
    count the message's deliveries; selecting it costs exactly one more statement."""
    token = token_for(engine, "admin")
    school = first_school_id(engine)
    kids = [add_student(engine, school, primary_email=email(), primary_phone=phone()) for _ in range(3)]
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request("STUDENTS", kids, channels=("EMAIL", "SMS"), subject=unique("Counted")))
        fan_out(session, message.id)
        message_id = message.id
    variables = {"id": gid("Message", message_id)}
    counts = {}
    for label, fields in (("without", ""), ("with", "totalCount")):
        document = DELIVERIES % fields
        gql(client, document, variables, token)
        with count_statements(engine) as statements:
            body = gql(client, document, variables, token)
        assert "errors" not in body, body
        counts[label] = statements
    assert not [s for s in counts["without"] if "count(" in s.lower() and "delivery" in s.lower()], counts["without"]
    assert len(counts["with"]) == len(counts["without"]) + 1
