"""The bulk tables' foreign keys hold on both backends: on PostgreSQL they are checked once per
statement by triggers (models/statement_keys.py), on SQLite they are plain constraints."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from models.db import session_scope, utcnow
from models.directory import Student
from models.messaging import Delivery, Message, MessageStudent

MISSING = 2_000_000_000


def _delivery(message_id: int) -> dict:
    now = utcnow()
    return {"message_id": message_id, "channel": "EMAIL", "recipient_kind": "USER", "recipient_id": 1,
            "recipient_name": "Key check", "address": "key@example.org", "language": "en", "status": "SENT",
            "attempts": 0, "created_at": now, "updated_at": now}


@pytest.fixture
def message_id(engine):
    with session_scope(engine) as session:
        message = Message(sender_id=1, subject="Keys", html_body="<p>k</p>", text_body="k", channels=["EMAIL"],
                          status="COMPLETED")
        session.add(message)
        session.flush()
        return message.id


def _refused(engine, statement, params=None, names: str = "") -> None:
    """The statement fails as a foreign-key violation (naming the table on PostgreSQL; SQLite's
    message names none) and writes nothing."""
    with pytest.raises(IntegrityError) as raised, session_scope(engine) as session:
        session.connection().execute(statement, params)
    if engine.dialect.name == "postgresql":
        assert raised.value.orig.sqlstate == "23503"
        assert names in str(raised.value.orig)


def test_a_bulk_insert_naming_a_missing_message_writes_nothing(engine, message_id):
    rows = [_delivery(message_id)] * 3 + [_delivery(MISSING)]
    _refused(engine, insert(Delivery.__table__), rows, names="delivery")
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id)).scalar_one() == 0


def test_a_selection_naming_a_missing_student_or_message_is_refused(engine, message_id):
    student = 1
    _refused(engine, insert(MessageStudent.__table__), [{"message_id": message_id, "student_id": MISSING}])
    _refused(engine, insert(MessageStudent.__table__), [{"message_id": MISSING, "student_id": student}])
    with session_scope(engine) as session:
        session.connection().execute(insert(MessageStudent.__table__), [
            {"message_id": message_id, "student_id": student}])


def test_moving_a_delivery_to_a_missing_message_is_refused(engine, message_id):
    with session_scope(engine) as session:
        session.connection().execute(insert(Delivery.__table__), [_delivery(message_id)])
    _refused(engine, update(Delivery).where(Delivery.message_id == message_id).values(message_id=MISSING))


def test_a_message_or_student_still_referenced_cannot_be_deleted(engine, message_id):
    with session_scope(engine) as session:
        school_id = session.execute(select(Student.school_id).limit(1)).scalar_one()
        student = Student(school_id=school_id, grade_level="9", first_name="Only", last_name="Selected")
        session.add(student)
        session.flush()
        session.connection().execute(insert(Delivery.__table__), [_delivery(message_id)])
        session.connection().execute(insert(MessageStudent.__table__), [
            {"message_id": message_id, "student_id": student.id}])
    _refused(engine, delete(Message).where(Message.id == message_id), names="delivery")
    _refused(engine, delete(Student).where(Student.id == student.id), names="message_student")
    _refused(engine, update(Message).where(Message.id == message_id).values(id=MISSING))
    with session_scope(engine) as session:
        session.execute(delete(MessageStudent).where(MessageStudent.student_id == student.id))
        session.execute(delete(Student).where(Student.id == student.id))  # unreferenced now: allowed
    with session_scope(engine) as session:
        assert session.get(Message, message_id) is not None
        assert session.get(Student, student.id) is None
