"""Fixtures of the conversation tests: people of each role at a school of their own, a message that
starts a thread between two of them, and `homeroom inbound-smtp`'s server filing answers in threads."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import insert, select

from domain.delivery.fan_out import fan_out
from factories import add_contact, add_school, add_student, add_user, email, phone, unique
from helpers import token_for
from models.conversations import ThreadSide
from models.db import session_scope
from models.directory import UserSchool
from models.messaging import Channel, Message, MessageStaff, MessageStudent, StudentRecipientType

PROFILES = {"ADMIN": "District Administrator", "TEACHER": "Teacher", "PARENT": "Parent", "STUDENT": "Student"}


@dataclasses.dataclass(frozen=True)
class Person:
    id: int
    role: str
    login: str
    token: str
    student_id: int | None = None  # a parent's child, or a student user's own record
    contact_id: int | None = None  # a parent's contact card
    email: str | None = None


class People:
    """Makes people at one school: staff on it, family users with a student enrolled there."""

    def __init__(self, engine):
        self.engine = engine
        self.school_id = add_school(engine)

    def make(self, role: str, *, profile: str | None = None) -> Person:
        login, address = unique(role.lower() + "."), email(role.lower())
        profile = profile or PROFILES[role]
        if role in ("ADMIN", "TEACHER"):
            user_id = add_user(self.engine, role, school_ids=[self.school_id], profile=profile, login=login,
                               email=address)
            return Person(user_id, role, login, token_for(self.engine, login), email=address)
        kid = add_student(self.engine, self.school_id, primary_email=email("kid") if role == "STUDENT" else None)
        if role == "STUDENT":
            user_id = add_user(self.engine, role, profile=profile, login=login, email=address, student_id=kid)
            return Person(user_id, role, login, token_for(self.engine, login), student_id=kid, email=address)
        user_id = add_user(self.engine, role, profile=profile, login=login, email=address)
        contact = add_contact(self.engine, kid, email=address, mobile_phone=phone(), user_id=user_id)
        return Person(user_id, role, login, token_for(self.engine, login), student_id=kid, contact_id=contact,
                      email=address)

    def add_to_school(self, person: Person, school_id: int) -> None:
        with session_scope(self.engine) as session:
            session.execute(insert(UserSchool), [{"user_id": person.id, "school_id": school_id}])

    def send(self, sender: Person, to: Person, *, allow_reply: bool = True, channels=("EMAIL",),
             subject: str = "Field trip", **options) -> int:
        """A message from ``sender`` to ``to`` (a family user through their student, staff
        directly), fanned out now; returns its id."""
        with session_scope(self.engine) as session:
            kind = {"PARENT": StudentRecipientType.PRIMARY_CONTACTS, "STUDENT": StudentRecipientType.STUDENTS}
            message = Message(sender_id=sender.id, subject=subject, html_body="<p>Friday at nine.</p>",
                              text_body="Friday at nine.", recipient_type=kind.get(to.role),
                              channels=[Channel(c).value for c in channels], allow_reply=allow_reply, **options)
            session.add(message)
            session.flush()
            if to.role in kind:
                session.execute(insert(MessageStudent), [{"message_id": message.id, "student_id": to.student_id}])
            else:
                session.execute(insert(MessageStaff), [{"message_id": message.id, "user_id": to.id}])
            fan_out(session, message.id)
            return message.id

    def thread(self, a: Person, b: Person) -> int:
        """The id of the thread between two people (a's side of it)."""
        with session_scope(self.engine) as session:
            return session.execute(select(ThreadSide.thread_id).where(
                ThreadSide.user_id == a.id, ThreadSide.correspondent_id == b.id)).scalar_one()

    def side(self, person: Person, thread_id: int) -> ThreadSide | None:
        with session_scope(self.engine) as session:
            side = session.get(ThreadSide, (thread_id, person.id))
            if side is not None:
                session.expunge(side)
            return side


@pytest.fixture
def people(engine):
    return People(engine)


@pytest.fixture
def inbound_server(engine):
    """`homeroom inbound-smtp`'s server as the shell starts it: answers from account holders are
    filed as replies in their threads (the runtime's reply_filer)."""
    from homeroom.inbound_smtp import start
    from jobs.runtime import current
    from peers.smtp_sink import free_port

    port = free_port()
    controller = start(engine, "replies.homeroom.test", "127.0.0.1", port, current().links.keys,
                       current().reply_filer)
    yield port
    controller.stop()
