"""A message's letter options: a letterhead for Communication, Add Log Record and the academic
record category (CMP-03, CMP-04, CMP-10, CMP-11, PERM-37)."""

from __future__ import annotations

from sqlalchemy import select

from factories import add_contact, add_student, email, first_school_id, unique
from helpers import gid, gql, pk_of, row_counts, set_district
from models.db import session_scope
from models.messaging import Message
from models.templates import LetterLog
from template_steps import forbidden, letterhead, staff, user_id

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }"""




def message_to(student: int, staff_id: int | None = None, **fields) -> dict:
    return {"subject": unique("Letter "), "htmlBody": "<p>Dear family</p>", "channels": ["EMAIL"],
            "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", student)],
            "staffIds": [gid("User", staff_id)] if staff_id else [], **fields}


def test_cmp_03_only_a_letterhead_available_for_communication_is_accepted(client, engine):
    """CMP-03: a report-card letterhead is refused (nothing written); a Communication one is kept."""
    admin, _ = staff(engine)
    student = add_student(engine, first_school_id(engine))
    before = row_counts(engine)
    body = gql(client, SEND, {"input": message_to(student, letterheadId=gid("Letterhead", letterhead(
        engine, "REPORT_CARDS")))}, admin)
    assert body["data"]["sendMessage"]["errors"] == [{"field": "input.letterheadId", "code": "INVALID"}]
    assert row_counts(engine) == before
    head = letterhead(engine, "COMMUNICATION")
    sent = gql(client, SEND, {"input": message_to(student, letterheadId=gid("Letterhead", head))}, admin)
    with session_scope(engine) as session:
        assert session.get(Message, pk_of(sent["data"]["sendMessage"]["message"]["id"])).letterhead_id == head


def test_cmp_11_add_log_record_is_refused_with_teachers_of(client, engine):
    """CMP-11: Add Log Record with the TEACHERS_OF recipient type is refused; nothing written."""
    admin, _ = staff(engine)
    student = add_student(engine, first_school_id(engine))
    before = row_counts(engine)
    body = gql(client, SEND, {"input": message_to(student, recipientType="TEACHERS_OF", addLogRecord=True)}, admin)
    assert {"field": "input.addLogRecord", "code": "CONFLICT"} in body["data"]["sendMessage"]["errors"]
    assert row_counts(engine) == before


def test_cmp_10_cmp_04_perm_37_sending_logs_a_letter_per_student_and_user(client, engine):
    """CMP-10: with Add Log Record, sending writes one letter-log row for the student (whose contacts
    it reached) and one for the staff recipient; CMP-04, PERM-37: filed under the academic record
    category, which needs the docmgmt add-on and "Academic Record"."""
    admin, login = staff(engine)
    colleague, colleague_login = staff(engine)
    student = add_student(engine, first_school_id(engine))
    add_contact(engine, student, email=email("parent"))
    colleague_id = user_id(engine, colleague_login)
    assert forbidden(gql(client, SEND, {"input": message_to(student, academicRecordCategory="Letters")}, admin))
    previous = set_district(engine, addon_docmgmt=True)
    try:
        sent = gql(client, SEND, {"input": message_to(student, colleague_id, addLogRecord=True,
                                                      academicRecordCategory="Letters home")}, admin)
    finally:
        set_district(engine, **previous)
    message_id = pk_of(sent["data"]["sendMessage"]["message"]["id"])
    with session_scope(engine) as session:
        rows = session.execute(select(LetterLog).where(LetterLog.message_id == message_id)).scalars().all()
        assert {(row.student_id, row.user_id) for row in rows} == {(student, None), (None, colleague_id)}
        assert len(rows) == 2
        assert {(row.source, row.academic_record_category, row.logged_by_id) for row in rows} == {
            ("SENT", "Letters home", user_id(engine, login))}
    unlogged = gql(client, SEND, {"input": message_to(student)}, admin)
    with session_scope(engine) as session:
        assert session.execute(select(LetterLog).where(
            LetterLog.message_id == pk_of(unlogged["data"]["sendMessage"]["message"]["id"]))).first() is None
