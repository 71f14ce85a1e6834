"""Shared steps of the delivery feed tests (issue 16 point 4): messages fanned out to one school's
students, the feed read by cursor, and the clean-up that leaves nothing for a later queue run."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select, text, update
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
  deliveryEvents(after: $after, schools: $schools) {
    endCursor events { cursor deliveryId messageId schoolId channel status } } }"""


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
    """The feed's present: every event readable now is before it, every later one after. On
    PostgreSQL "readable" means below the oldest transaction running anywhere on the server, so
    events another test committed just before can still come after it: tests pick their own
    messages' events out of what they read."""
    with Session(engine) as session:
        return head(session)


def settle(engine, timeout: float = 60) -> None:
    """Wait until every transaction committed so far is below the commit horizon (PostgreSQL), so
    a read sees all of them: another transaction running anywhere on the server holds it back."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        mine = int(connection.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one())
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            horizon = connection.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
            if int(horizon.scalar_one()) > mine:
                return
        assert time.monotonic() < deadline, "a transaction on the server held the feed back for a minute"
        time.sleep(0.05)


def read_all(engine, after: FeedPosition = START, scope=None, page: int = 1000, *, settled: bool = True):
    """Every event after ``after`` (in every scope by default), and the last position; with
    ``settled``, once everything committed so far is readable."""
    if settled:
        settle(engine)
    events = []
    with Session(engine) as session:
        while True:
            found = read_page(session, after=after, scope=scope, limit=page)
            events += found.events
            if found.events:
                after = found.events[-1].position
            if not found.has_more:
                return events, after
