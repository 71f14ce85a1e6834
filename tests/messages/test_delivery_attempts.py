"""A delivery's attempt history and provider message id (issue 17 point 3): Delivery.attempts lists
every provider call, and a page of deliveries loads every attempt in one statement (no N+1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_student, email, first_school_id, unique
from helpers import count_statements, gid, gql, pk_of, token_for
from models.db import session_scope, utcnow
from models.messaging import Delivery, DeliveryAttempt
from resolve import request, viewer_for

PAGE = """query($id: ID!) { message(id: $id) { deliveries(first: 100) { edges { node {
  id providerMessageId attemptCount attempts { plugin outcome providerMessageId errorCode detail startedAt } } } } } }"""


def message_with_attempts(engine, students: int) -> int:
    """A message to ``students`` students by email whose every delivery was tried twice: a retryable
    failure, then sent with the provider's id."""
    school = first_school_id(engine)
    kids = [add_student(engine, school, primary_email=email()) for _ in range(students)]
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request("STUDENTS", kids, subject=unique("Attempts ")))
        fan_out(session, message.id)
        ids = session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalars().all()
        start = utcnow() - dt.timedelta(minutes=5)
        session.execute(insert(DeliveryAttempt), [
            {"delivery_id": i, "plugin": "smtp", "outcome": outcome, "provider_id": provider, "code": code,
             "detail": detail, "started_at": start + dt.timedelta(minutes=n), "finished_at": start + dt.timedelta(
                 minutes=n, seconds=1)}
            for i in ids for n, (outcome, provider, code, detail) in enumerate([
                ("Retryable", None, "421", "try later"), ("Sent", f"m-{i}", None, None)])])
        session.execute(Delivery.__table__.update().where(Delivery.message_id == message.id).values(
            status="SENT", provider_id="m-" + Delivery.id.cast(Delivery.__table__.c.provider_id.type), attempts=2))
    return message.id


def test_issue_17_point_3_a_delivery_shows_its_provider_id_and_every_attempt(client, engine):
    message_id = message_with_attempts(engine, 1)
    data = gql(client, PAGE, {"id": gid("Message", message_id)}, token_for(engine, "admin"))
    [node] = [edge["node"] for edge in data["data"]["message"]["deliveries"]["edges"]]
    assert node["providerMessageId"] == f"m-{pk_of(node['id'])}" and node["attemptCount"] == 2
    assert [(a["plugin"], a["outcome"], a["providerMessageId"], a["errorCode"], a["detail"]) for a in node["attempts"]] \
        == [("smtp", "RETRYABLE", None, "421", "try later"), ("smtp", "SENT", f"m-{pk_of(node['id'])}", None, None)]
    assert node["attempts"][0]["startedAt"] < node["attempts"][1]["startedAt"]


def test_issue_17_point_3_a_page_of_deliveries_loads_attempts_in_one_statement(client, engine):
    """A page of 3 deliveries and a page of 9 cost the same statements: the attempts of a page are one
    set-based query, not one per delivery."""
    token = token_for(engine, "admin")
    counts = []
    for students in (3, 9):
        message_id = message_with_attempts(engine, students)
        gql(client, PAGE, {"id": gid("Message", message_id)}, token)  # warm-up: the viewer's caches
        with count_statements(engine) as statements:
            body = gql(client, PAGE, {"id": gid("Message", message_id)}, token)
        edges = body["data"]["message"]["deliveries"]["edges"]
        assert len(edges) == students and all(len(edge["node"]["attempts"]) == 2 for edge in edges)
        counts.append(len(statements))
        assert sum("delivery_attempt" in statement for statement in statements) == 1, statements
    assert counts[0] == counts[1] > 0, counts
