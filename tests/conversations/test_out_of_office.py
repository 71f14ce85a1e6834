"""updateOutOfOffice and the automatic answers it makes (SET-08)."""

from __future__ import annotations

import datetime as dt
import email as email_module
import time
from email import policy
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from harness import OUTBOX_DIR
from helpers import gid, gql, pk_of, row_counts
from models.db import session_scope
from models.directory import District, User
from models.messaging import Channel, Delivery, Message, MessageStatus

UPDATE = """
mutation Update($input: UpdateOutOfOfficeInput!) {
  updateOutOfOffice(input: $input) {
    __typename
    ... on OutOfOffice { start end message }
    ... on UpdateOutOfOfficeErrors { errors { code field } }
  }
}
"""
SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessageSuccess { message { id } } }
}
"""


def district_today(engine) -> dt.date:
    with session_scope(engine) as session:
        zone = session.execute(select(District.time_zone)).scalar_one()
    return dt.datetime.now(ZoneInfo(zone)).date()


def away(client, person, start: dt.date, end: dt.date, message: str) -> dict:
    return gql(client, UPDATE, {"input": {"start": start.isoformat(), "end": end.isoformat(), "message": message}},
               person.token)["data"]["updateOutOfOffice"]


def send(client, sender, to) -> int:
    result = gql(client, SEND, {"input": {"subject": f"From {sender.login}", "htmlBody": "<p>Can we meet?</p>",
                                          "channels": ["EMAIL"], "staffIds": [gid("User", to.id)]}}, sender.token)
    return pk_of(result["data"]["sendMessage"]["message"]["id"])


def between(engine, a, b) -> list[Message]:
    with session_scope(engine) as session:
        rows = session.execute(select(Message).where(or_(Message.sender_id == a.id, Message.sender_id == b.id))
                               .order_by(Message.id)).scalars().all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def quiescent(engine, a, b, expected_auto: int, timeout: float = 60.0) -> list[Message]:
    """Wait until the expected automatic answers exist and every message of the pair is complete
    (its hand-on job, and so its out-of-office step, has run), then a little longer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = between(engine, a, b)
        if (sum(m.auto_reply for m in messages) >= expected_auto
                and all(m.status == MessageStatus.COMPLETED.value for m in messages)):
            break
        time.sleep(0.2)
    time.sleep(2.0)  # anything more would have been enqueued by now
    return between(engine, a, b)


def test_set_08_two_absent_users_answer_each_other_once_then_silence(client, engine, people):
    """Covers SET-08: two users out of office each send the other one message; each message gets
    exactly one automatic answer (in the thread, marked automatic, its email carrying
    Auto-Submitted: auto-replied), and the automatic answers are never answered: two answers,
    then silence, with the queue worked to quiescence."""
    a, b = people.make("ADMIN"), people.make("ADMIN")
    today = district_today(engine)
    for person, text in ((a, "Ana is away until Monday."), (b, "Ben is at a conference.")):
        state = away(client, person, today - dt.timedelta(days=1), today, text)
        assert state == {"__typename": "OutOfOffice", "start": (today - dt.timedelta(days=1)).isoformat(),
                         "end": today.isoformat(), "message": text}
    first, second = send(client, a, b), send(client, b, a)

    messages = quiescent(engine, a, b, expected_auto=2)
    autos = [m for m in messages if m.auto_reply]
    assert len(messages) == 4 and len(autos) == 2
    thread_ids = {m.thread_id for m in autos}
    assert {(m.sender_id, m.text_body) for m in autos} == {(b.id, "Ben is at a conference."),
                                                             (a.id, "Ana is away until Monday.")}
    assert len(thread_ids) == 1 and None not in thread_ids
    with session_scope(engine) as session:
        reasons = session.execute(select(Delivery.message_id, Delivery.reason).where(
            Delivery.message_id.in_([first, second]), Delivery.channel == Channel.INAPP.value)).all()
        emails = session.execute(select(Delivery.id, Delivery.status).where(
            Delivery.message_id.in_([m.id for m in autos]), Delivery.channel == Channel.EMAIL.value)).all()
    assert sorted(tuple(row) for row in reasons) == [(first, "OUT_OF_OFFICE"), (second, "OUT_OF_OFFICE")]
    assert len(emails) == 2
    for delivery_id, status in emails:
        assert status == "SENT", status
        parsed = email_module.message_from_bytes((OUTBOX_DIR / "email" / f"{delivery_id}.eml").read_bytes(),
                                                 policy=policy.default)
        assert parsed["Auto-Submitted"] == "auto-replied"


def test_set_08_a_message_outside_the_period_is_not_answered(client, engine, people):
    """Covers SET-08: a period that ended yesterday answers nothing; clearing the setting is allowed."""
    a, b = people.make("ADMIN"), people.make("ADMIN")
    today = district_today(engine)
    away(client, b, today - dt.timedelta(days=5), today - dt.timedelta(days=1), "Back now.")
    send(client, a, b)
    messages = quiescent(engine, a, b, expected_auto=0)
    assert [m.auto_reply for m in messages] == [False]
    cleared = gql(client, UPDATE, {"input": {"start": None, "end": None, "message": None}}, b.token)
    assert cleared["data"]["updateOutOfOffice"] == {"__typename": "OutOfOffice", "start": None, "end": None,
                                                    "message": None}
    with session_scope(engine) as session:
        user = session.get(User, b.id)
        assert (user.out_of_office_start, user.out_of_office_end, user.out_of_office_message) == (None, None, None)


def test_set_08_bad_periods_are_typed_errors_and_change_nothing(client, engine, people):
    """Covers SET-08: an end before the start is END_BEFORE_START, an empty message REQUIRED, a
    start without an end REQUIRED; nothing is stored."""
    person = people.make("TEACHER")
    today = district_today(engine)
    before = row_counts(engine)
    wrong = away(client, person, today, today - dt.timedelta(days=1), "Away")
    assert wrong["errors"] == [{"code": "END_BEFORE_START", "field": "input.end"}]
    empty = away(client, person, today, today, "   ")
    assert empty["errors"] == [{"code": "REQUIRED", "field": "input.message"}]
    half = gql(client, UPDATE, {"input": {"start": today.isoformat(), "message": "Away"}}, person.token)
    assert half["data"]["updateOutOfOffice"]["errors"] == [{"code": "REQUIRED", "field": "input.end"}]
    with session_scope(engine) as session:
        user = session.get(User, person.id)
        assert user.out_of_office_start is None and user.out_of_office_message is None
    assert row_counts(engine) == before
