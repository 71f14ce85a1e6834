"""Shared steps of the delivery feed tests (issue 16 point 4): messages fanned out to one school's
students, the feed read by cursor, and the clean-up that leaves nothing for a later queue run."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.delivery.fan_out import fan_out
from domain.feed.positions import START, FeedPosition
from domain.feed.reading import head, read_page
from domain.messages.send import save_draft
from helpers import make_user
from models.db import session_scope
from models.directory import Role, School, Student
from models.messaging import OPEN_DELIVERY_STATUSES, Delivery, Message
from resolve import request, viewer_for

FEED_PAGE = """query($after: String, $schools: [ID!], $first: Int!) {
  deliveryEvents(after: $after, schools: $schools, first: $first) {
    edges { cursor node { cursor deliveryId messageId schoolId channel status reason occurredAt } }
    pageInfo { endCursor hasNextPage } } }"""

FEED_SUBSCRIPTION = """subscription($after: String, $schools: [ID!]) {
  deliveryEvents(after: $after, schools: $schools) { cursor deliveryId messageId schoolId channel status } }"""


def two_schools(engine) -> tuple[int, int]:
    """Two schools that take part in communication and have active students."""
    with session_scope(engine) as session:
        ids = session.execute(select(Student.school_id).join(School, School.id == Student.school_id)
                              .where(School.exclude_from_communication.is_(False), Student.status == "ACTIVE")
                              .group_by(Student.school_id).order_by(Student.school_id).limit(2)).scalars().all()
    assert len(ids) == 2
    return ids[0], ids[1]


def students_of(engine, school_id: int, count: int) -> list[int]:
    with session_scope(engine) as session:
        return list(session.execute(select(Student.id).where(Student.school_id == school_id,
                                                             Student.status == "ACTIVE")
                                    .order_by(Student.id).limit(count)).scalars())


def school_admin(engine, school_id: int) -> tuple[str, str]:
    """(login, token) of an administrator of one school who is not a district administrator."""
    login = f"feed.admin.{uuid.uuid4().hex[:8]}"
    token = make_user(engine, Role.ADMIN, school_ids=[school_id], login=login, without=[Perm.DISTRICT_SETTINGS])
    return login, token


def fanned_out(engine, login: str, student_ids: list[int], channels=("EMAIL",)) -> int:
    """A message from ``login`` to the students' contacts, fanned out (its deliveries QUEUED, no job enqueued)."""
    with session_scope(engine) as session:
        message = save_draft(session, viewer_for(session, login),
                             request("ALL_CONTACTS", student_ids, channels=channels))
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))
        fan_out(session, message.id)
        return message.id


def finish(engine, *message_ids: int) -> None:
    """Cancel what is still open and complete the messages: no later test's queue run sends them."""
    with session_scope(engine) as session:
        session.execute(update(Delivery).where(Delivery.message_id.in_(message_ids),
                                               Delivery.status.in_([s.value for s in OPEN_DELIVERY_STATUSES]))
                        .values(status="CANCELLED"))
        session.execute(update(Message).where(Message.id.in_(message_ids)).values(status="COMPLETED"))


def feed_head(engine) -> FeedPosition:
    with Session(engine) as session:
        return head(session)


def read_all(engine, after: FeedPosition = START, scope=None, page: int = 1000):
    """Every event readable now after ``after`` (in every scope by default), and the last position."""
    events = []
    with Session(engine) as session:
        while True:
            found = read_page(session, after=after, scope=scope, limit=page)
            events += found.events
            if found.events:
                after = found.events[-1].position
            if not found.has_more:
                return events, after
