"""message.completed to an endpoint limited to schools carries the counts of its schools' deliveries
alone, never the district-wide ones (issue 16 point 5; a review finding: the counts disclosed other
schools' recipients to a partner given only its schools). A delivery's school is the one the
delivery feed gives its events (``schoolId`` of delivery.updated): the student's school, or a staff
recipient's first school. Webhooks are picked out by ``webhook-id``: the endpoints also hear other
messages the worker completes during the test."""

from __future__ import annotations

import collections

from sqlalchemy import select

from domain.access.scope import delivery_school
from domain.webhooks.events import delivery_counts
from factories import add_user, email, unique
from helpers import gid, gql, pk_of, wait_for_message
from models.db import session_scope
from models.directory import School
from models.delivery_events import DeliveryEvent
from models.messaging import Delivery
from models.webhooks import WebhookMessage
from two_schools import expected, school_of, sent_to_two_schools
from worker_processes import wait_for

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } } } }"""


def completed_webhook_row(engine, endpoint_id: int, message_id: str) -> WebhookMessage | None:
    with session_scope(engine) as session:
        return session.execute(select(WebhookMessage).where(
            WebhookMessage.endpoint_id == endpoint_id,
            WebhookMessage.event_key == f"message.completed:{pk_of(message_id)}")).scalars().first()


def received_completion(engine, receiver, endpoint_id: int, message_id: str):
    """The message.completed of ``message_id`` that ``receiver`` got for the endpoint, found by its
    webhook-id, signature verified."""
    def arrived() -> list:
        row = completed_webhook_row(engine, endpoint_id, message_id)
        return [] if row is None else [r for r in receiver.received if r.webhook_id == row.msg_id]

    wait_for(arrived, 30, f"message.completed of message {message_id} at the receiver")
    [got] = arrived()
    assert got.verified and got.answered == 200 and got.type == "message.completed"
    return got


def statuses(engine, message_id: str, *, school_id: int | None = None, people: set | None = None) -> dict[str, int]:
    """The message's deliveries per status; with ``school_id``, those whose feed events carry that
    school; with ``people``, those to these (recipient kind, id)."""
    with session_scope(engine) as session:
        query = select(Delivery.recipient_kind, Delivery.recipient_id, Delivery.status).where(
            Delivery.message_id == pk_of(message_id))
        if school_id is not None:
            query = query.where(Delivery.id.in_(select(DeliveryEvent.delivery_id).where(
                DeliveryEvent.message_id == pk_of(message_id), DeliveryEvent.school_id == school_id)))
        rows = session.execute(query).all()
    return dict(collections.Counter(status for kind, recipient_id, status in rows
                                    if people is None or (kind, recipient_id) in people))


def test_issue_16_point_5_a_school_endpoint_hears_the_counts_of_its_schools_only(
        client, engine, receiver, make_endpoint):
    """A message to two schools' people (and an imported outsider): the endpoint of school 1 gets
    the counts of school 1's deliveries (its family's email, its teacher's email and in-app entry)
    with schoolIds [school 1]; an endpoint of every school gets the district-wide counts; the
    endpoint of school 2, whose people got nothing (though the sender works there), gets no
    message.completed at all."""
    from peers.webhook_receiver import WebhookReceiver

    school1, school2 = school_of(engine, "principal.1"), school_of(engine, "principal.2")
    every_school, school2_receiver = WebhookReceiver(), WebhookReceiver()
    try:
        of_school1 = make_endpoint(receiver, ("MESSAGE_COMPLETED",), [gid("School", school1)])
        of_every_school = make_endpoint(every_school, ("MESSAGE_COMPLETED",))
        of_school2 = make_endpoint(school2_receiver, ("MESSAGE_COMPLETED",), [gid("School", school2)])
        sent = sent_to_two_schools(client, engine)

        school1_data = received_completion(engine, receiver, of_school1["id"], sent["id"]).payload["data"]
        district_data = received_completion(engine, every_school, of_every_school["id"], sent["id"]).payload["data"]

        at_school1 = statuses(engine, sent["id"], school_id=school1)
        assert sum(at_school1.values()) == 3  # the family's email, the teacher's email and in-app entry
        assert at_school1 == statuses(engine, sent["id"], people=expected(sent, "contact1", "teacher1"))
        assert school1_data["messageId"] == sent["id"]
        assert school1_data["deliveryCounts"] == at_school1
        assert school1_data["schoolIds"] == [gid("School", school1)]
        everything = statuses(engine, sent["id"])
        assert sum(everything.values()) == 7  # both schools' four, and the outsider's email
        assert district_data["deliveryCounts"] == everything
        # Written in the same statement as the two above: none was written for school 2.
        assert completed_webhook_row(engine, of_school2["id"], sent["id"]) is None
        assert not [r for r in school2_receiver.received if r.payload and r.payload["data"].get("messageId") == sent["id"]]
    finally:
        every_school.close()
        school2_receiver.close()


def test_issue_16_point_5_a_staff_member_of_two_schools_counts_at_the_school_their_feed_events_carry(
        client, engine, admin_token):
    """The school message.completed counts a delivery at is its feed event's ``schoolId``: for a
    teacher of two schools, their first school by the district's order (only there, never both),
    so an endpoint's counts add up with the delivery.updated it hears."""
    school1, school3 = school_of(engine, "principal.1"), school_of(engine, "principal.3")
    teacher = add_user(engine, "TEACHER", school_ids=[school1, school3], profile="Teacher",
                       email=email("two-school-teacher"))
    body = gql(client, SEND, {"input": {"subject": unique("Staff "), "htmlBody": "<p>Meeting</p>",
                                        "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
                                        "staffIds": [gid("User", teacher)]}}, admin_token)
    message_id = pk_of(body["data"]["sendMessage"]["message"]["id"])
    assert wait_for_message(client, admin_token, gid("Message", message_id))["status"] == "COMPLETED"
    with session_scope(engine) as session:
        first = session.execute(select(School.id).where(School.id.in_([school1, school3]))
                                .order_by(School.sort_order, School.id).limit(1)).scalar_one()
        counted_at = dict(session.execute(select(Delivery.id, delivery_school())
                                          .where(Delivery.message_id == message_id)).all())
        fed_at = dict(session.execute(select(DeliveryEvent.delivery_id, DeliveryEvent.school_id)
                                      .where(DeliveryEvent.message_id == message_id).distinct()).all())
        counts = delivery_counts(session, [message_id], by_school=True)[message_id]
    assert len(counted_at) == 2 and set(counted_at.values()) == {first}  # the email and the in-app entry
    assert counted_at == fed_at
    assert set(counts) == {first} and sum(counts[first].values()) == 2
