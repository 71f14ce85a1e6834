"""Scheduled messages over GraphQL and through the communication queue."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, insert, select, update

from domain.scheduling.due_sends import send_due_scheduled
from factories import email, phone, unique
from helpers import gid, gql, pk_of, row_counts, token_for, wait_for_message
from jobs.queue_clock import queue_tick
from models.db import session_scope, utcnow
from models.directory import Contact, User
from models.messaging import Delivery, ImportedRecipient, Message
from models.scheduling import MessageSchedule
from shared_steps import SCHEDULE, district_zone, family, local, message_input, schedule_in


UPDATE = """
mutation($id: ID!, $input: SendMessageInput!, $schedule: ScheduleInput) {
  updateScheduledMessage(id: $id, input: $input, schedule: $schedule) {
    __typename
    ... on ScheduleMessageSuccess { message { id status subject } schedule { nextSendAt recurrence description } }
    ... on UpdateScheduledMessageErrors { errors { field code } }
  }
}
"""

LIST = """query($search: String) { scheduledMessages(search: $search, first: 50) { totalCount
  edges { node { kind message { id subject } schedule { description nextSendAt lastSentAt lastError } } } } }"""


def make_due(engine, message_id: str) -> None:
    """Moves a scheduled message's next send a moment into the past, as the clock would; a send
    time only seconds ahead can already have passed when a loaded machine validates it."""
    with session_scope(engine) as session:
        session.execute(update(MessageSchedule).where(MessageSchedule.message_id == pk_of(message_id))
                        .values(next_send_at=utcnow() - dt.timedelta(seconds=1)))


def deliveries(engine, message_id: int):
    with session_scope(engine) as session:
        return session.execute(select(Delivery.channel, Delivery.status, Delivery.address)
                               .where(Delivery.message_id == message_id)).all()


def test_sch_01_missing_time_or_past_date_is_rejected_and_nothing_is_written(client, engine):
    """Covers SCH-01: no send time → REQUIRED on schedule.sendTime; a past date-time →
    IN_THE_PAST; nothing is written either way."""
    token, kid = token_for(engine, "admin"), family(engine)
    before = row_counts(engine)
    no_time = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": {"startDate": "2030-01-01"}}, token)
    assert no_time["data"]["scheduleMessage"]["errors"] == [{
        "field": "schedule.sendTime", "code": "REQUIRED", "message": "Choose the time to send at."}]
    past = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(-60)}, token)
    assert [e["code"] for e in past["data"]["scheduleMessage"]["errors"]] == ["IN_THE_PAST"]
    assert row_counts(engine) == before


def test_sch_03_scheduling_asks_to_confirm_more_than_100_recipients(client, engine, db):
    """Covers SCH-03, CMP-27: a schedule reaching 101 people needs the confirmed count."""
    from shared_steps import active_student_ids

    token = token_for(engine, "admin")
    students = active_student_ids(db, 101)
    body = {"subject": "Big", "htmlBody": "<p>x</p>", "channels": ["EMAIL"], "recipientType": "STUDENTS",
            "studentIds": students}
    ask = gql(client, SCHEDULE, {"input": body, "schedule": schedule_in(3600)}, token)["data"]["scheduleMessage"]
    assert ask == {"__typename": "SendMessageConfirmationRequired", "recipientCount": 101}
    ok = gql(client, SCHEDULE, {"input": {**body, "confirmedRecipientCount": 101}, "schedule": schedule_in(3600)},
             token)["data"]["scheduleMessage"]
    assert ok["__typename"] == "ScheduleMessageSuccess" and ok["message"]["status"] == "SCHEDULED"


def test_sch_04_sch_07_a_one_time_message_goes_out_in_the_first_queue_run_after_it_is_due(client, engine):
    """Covers SCH-04, SCH-07, RPT-04: nothing is sent before it is due or outside a queue run; the
    first run at or after the send time sends it; the list then says when it was sent, and the
    report shows it like any message."""
    token, kid = token_for(engine, "admin"), family(engine)
    subject = unique("One time ")
    result = gql(client, SCHEDULE, {"input": message_input(kid, subject=subject), "schedule": schedule_in(3600)},
                 token)["data"]["scheduleMessage"]
    message_id = result["message"]["id"]
    assert result["schedule"]["description"].startswith("Once on ")
    queue_tick()  # not yet due
    assert deliveries(engine, pk_of(message_id)) == []
    make_due(engine, message_id)
    assert deliveries(engine, pk_of(message_id)) == []  # due, but no queue run yet
    queue_tick()
    assert wait_for_message(client, token, message_id)["status"] == "COMPLETED"
    assert [(c, s) for c, s, _ in deliveries(engine, pk_of(message_id))] == [("EMAIL", "SENT")]
    [row] = [e["node"] for e in gql(client, LIST, {"search": subject}, token)["data"]["scheduledMessages"]["edges"]]
    assert row["kind"] == "ONE_TIME_SENT" and row["schedule"]["lastSentAt"] and row["schedule"]["nextSendAt"] is None
    report = gql(client, """query($s: String) { communicationReport(filter: {search: $s}) { edges { node {
        message { id } total } } } }""", {"s": subject}, token)["data"]["communicationReport"]["edges"]
    assert [e["node"] for e in report] == [{"message": {"id": message_id}, "total": 1}]


def test_sch_05_a_due_message_sends_email_now_and_holds_sms_for_the_window(client, engine, closed_window):  # noqa: F811
    """Covers SCH-05: due outside the call window, its email goes in that run; its SMS waits."""
    token, kid = token_for(engine, "admin"), family(engine, mobile_phone=phone())
    result = gql(client, SCHEDULE, {"input": message_input(kid, channels=["EMAIL", "SMS"]),
                                    "schedule": schedule_in(3600)}, token)["data"]["scheduleMessage"]
    make_due(engine, result["message"]["id"])
    queue_tick()
    message_id = pk_of(result["message"]["id"])
    deadline = time.monotonic() + 60
    while {c: s for c, s, _ in deliveries(engine, message_id)}.get("EMAIL") != "SENT" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert {c: s for c, s, _ in deliveries(engine, message_id)} == {"EMAIL": "SENT", "SMS": "DEFERRED"}


def test_sch_09_rcp_27_a_recurring_message_sends_occurrences_resolved_at_their_own_time(client, engine):
    """Covers SCH-09, SCH-08, RCP-27: each due run sends one occurrence (a copy resolved when it is
    sent: a contact's new address is used), the next send advances by the rule, and nothing is
    sent after the final date; the schedule then reports no next send."""
    token = token_for(engine, "admin")
    first_address = email()
    kid = family(engine, email=first_address)
    start = local(utcnow() + dt.timedelta(hours=1))
    schedule = {"startDate": start.date().isoformat(), "sendTime": start.time().replace(microsecond=0).isoformat(),
                "recurrence": "DAILY", "finalDate": (start.date() + dt.timedelta(days=1)).isoformat()}
    result = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule}, token)["data"]["scheduleMessage"]
    template = pk_of(result["message"]["id"])
    first_at = dt.datetime.fromisoformat(result["schedule"]["nextSendAt"])
    assert ", next " in result["schedule"]["description"] and ", ends " in result["schedule"]["description"]
    with session_scope(engine) as session:
        day_one = send_due_scheduled(session, first_at)
    new_address = email()
    with session_scope(engine) as session:
        session.execute(update(Contact).where(Contact.student_id == kid).values(email=new_address))
    with session_scope(engine) as session:
        stored = session.get(MessageSchedule, template)
        assert stored.next_send_at.replace(tzinfo=dt.UTC) == first_at + dt.timedelta(days=1)
        early = send_due_scheduled(session, first_at + dt.timedelta(hours=23))
        day_two = send_due_scheduled(session, first_at + dt.timedelta(days=1))
        day_three = send_due_scheduled(session, first_at + dt.timedelta(days=2))
        status = session.get(Message, template).status
        next_at = session.get(MessageSchedule, template).next_send_at
    assert len(day_one.sent) == 1 and early.sent == [] and len(day_two.sent) == 1 and day_three.sent == []
    assert status == "COMPLETED" and next_at is None
    from domain.delivery.fan_out import fan_out

    for occurrence in (day_one.sent[0], day_two.sent[0]):
        with session_scope(engine) as session:
            fan_out(session, occurrence)
    assert [a for _, _, a in deliveries(engine, day_one.sent[0])] == [new_address]  # resolved when sent
    assert [a for _, _, a in deliveries(engine, day_two.sent[0])] == [new_address]
    with session_scope(engine) as session:
        copies = session.execute(select(func.count()).select_from(Message).where(
            Message.scheduled_from_id == template)).scalar_one()
    assert copies == 2 and first_address != new_address


def test_sch_13_a_failing_scheduled_send_retries_all_day_then_errors_until_edited(client, engine):
    """Covers SCH-13, SCH-14: with the sender's account inactive the send fails; runs later that
    day retry; after the day it is ERRORED and no longer retried; editing and saving makes it
    eligible again, and it is sent by the next run."""
    token, kid = token_for(engine, "admin"), family(engine)
    result = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                 token)["data"]["scheduleMessage"]
    message_id, due = pk_of(result["message"]["id"]), dt.datetime.fromisoformat(result["schedule"]["nextSendAt"])
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        session.execute(update(User).where(User.id == admin.id).values(status="INACTIVE"))
    try:
        with session_scope(engine) as session:
            first = send_due_scheduled(session, due)
        end_of_day = dt.datetime.combine(local(due).date() + dt.timedelta(days=1), dt.time(0, 0), district_zone())
        with session_scope(engine) as session:
            later = send_due_scheduled(session, end_of_day - dt.timedelta(minutes=1))
            assert session.get(Message, message_id).status == "SCHEDULED"
            stored = session.get(MessageSchedule, message_id)
            assert stored.failed_attempts == 2 and "not active" in stored.last_error
        with session_scope(engine) as session:
            errored = send_due_scheduled(session, end_of_day)
        with session_scope(engine) as session:
            after = send_due_scheduled(session, end_of_day + dt.timedelta(days=1))
            assert session.get(Message, message_id).status == "ERRORED"
    finally:
        with session_scope(engine) as session:
            session.execute(update(User).where(User.login == "admin").values(status="ACTIVE"))
    assert message_id in first.failed and message_id in later.failed and errored.errored == [message_id]
    assert message_id not in after.failed + after.sent
    listed = gql(client, LIST, {"search": None}, token)
    kinds = {e["node"]["message"]["id"]: e["node"]["kind"] for e in listed["data"]["scheduledMessages"]["edges"]}
    assert kinds[gid("Message", message_id)] == "ERRORED"
    missing = gql(client, UPDATE, {"id": gid("Message", 999_999_999), "input": message_input(kid)},
                  token)["data"]["updateScheduledMessage"]
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]
    for wrong in (str(message_id), gid("Student", message_id)):  # a bare number, another kind's id: as missing
        assert gql(client, UPDATE, {"id": wrong, "input": message_input(kid, subject="Fixed")},
                   token)["data"]["updateScheduledMessage"] == missing, wrong
    saved = gql(client, UPDATE, {"id": gid("Message", message_id), "input": message_input(kid, subject="Fixed")},
                token)["data"]["updateScheduledMessage"]
    assert saved["message"]["status"] == "SCHEDULED"
    with session_scope(engine) as session:
        retried = send_due_scheduled(session, end_of_day + dt.timedelta(days=1))
    assert retried.sent == [message_id]  # its kept send time is past: the next run sends it (SCH-11)


def test_sch_10_sch_11_sch_12_editing_a_recurring_schedule(client, engine):
    """Covers SCH-10, SCH-11, SCH-12, SCH-14: a content-only save keeps the next send time; a new
    rule recomputes it, even after the start date has passed; a later send time recomputes it; a
    reschedule into the past is rejected; a kept next time already past is sent by the next run."""
    token, kid = token_for(engine, "admin"), family(engine)
    # Noon tomorrow: a send time one hour later stays on the same date whatever the hour of the run.
    start = local(utcnow() + dt.timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    base = {"startDate": start.date().isoformat(), "sendTime": start.time().replace(microsecond=0).isoformat(),
            "recurrence": "WEEKLY"}
    result = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": base}, token)["data"]["scheduleMessage"]
    message_id, first_next = result["message"]["id"], result["schedule"]["nextSendAt"]
    kept = gql(client, UPDATE, {"id": message_id, "input": message_input(kid, subject="Renamed")},
               token)["data"]["updateScheduledMessage"]
    assert kept["schedule"]["nextSendAt"] == first_next and kept["message"]["subject"] == "Renamed"
    # The start has passed (a first occurrence went out): the rule can still change (SCH-12).
    with session_scope(engine) as session:
        send_due_scheduled(session, dt.datetime.fromisoformat(first_next))
    daily = gql(client, UPDATE, {"id": message_id, "input": message_input(kid), "schedule": {**base, "recurrence": "DAILY"}},
                token)["data"]["updateScheduledMessage"]
    assert daily["schedule"]["recurrence"] == "DAILY" and daily["schedule"]["nextSendAt"] != first_next
    later_time = (start + dt.timedelta(hours=1)).time().replace(microsecond=0).isoformat()
    pushed = gql(client, UPDATE, {"id": message_id, "input": message_input(kid),
                                  "schedule": {**base, "recurrence": "DAILY", "sendTime": later_time}},
                 token)["data"]["updateScheduledMessage"]
    assert dt.datetime.fromisoformat(pushed["schedule"]["nextSendAt"]) > dt.datetime.fromisoformat(
        daily["schedule"]["nextSendAt"])
    past = gql(client, UPDATE, {"id": message_id, "input": message_input(kid), "schedule": schedule_in(-7200)},
               token)["data"]["updateScheduledMessage"]
    assert [e["code"] for e in past["errors"]] == ["IN_THE_PAST"]
    # SCH-11: a kept next send time already in the past goes out on the next run.
    make_due(engine, message_id)
    gql(client, UPDATE, {"id": message_id, "input": message_input(kid, subject="Kept")}, token)
    with session_scope(engine) as session:
        assert len(send_due_scheduled(session, utcnow()).sent) >= 1
        assert session.execute(select(func.count()).select_from(Message).where(
            Message.scheduled_from_id == pk_of(message_id))).scalar_one() == 2


def test_sch_06_the_scheduled_list_shows_kinds_and_filters_by_text_or_date(client, engine):
    """Covers SCH-06: kinds (one-time pending, recurring, cancelled) and a filter by subject or
    by the date as written."""
    token, kid = token_for(engine, "admin"), family(engine)
    tag = unique("List ")
    when = dt.date(2031, 3, 14)
    one = gql(client, SCHEDULE, {"input": message_input(kid, subject=tag + " once"),
                                 "schedule": {"startDate": when.isoformat(), "sendTime": "08:00:00"}},
              token)["data"]["scheduleMessage"]["message"]["id"]
    weekly = gql(client, SCHEDULE, {"input": message_input(kid, subject=tag + " weekly"),
                                    "schedule": {"startDate": "2031-04-01", "sendTime": "08:00:00",
                                                 "recurrence": "WEEKLY"}}, token)["data"]["scheduleMessage"]
    cancelled = gql(client, """mutation($id: ID!) { cancelScheduledMessage(id: $id) { ... on CancelScheduledMessageSuccess { message { status } } } }""",
                    {"id": weekly["message"]["id"]}, token)["data"]["cancelScheduledMessage"]
    assert cancelled == {"message": {"status": "CANCELLED"}}
    rows = gql(client, LIST, {"search": tag}, token)["data"]["scheduledMessages"]
    kinds = {e["node"]["message"]["subject"]: e["node"]["kind"] for e in rows["edges"]}
    assert kinds == {tag + " once": "ONE_TIME_PENDING", tag + " weekly": "CANCELLED"}
    by_date = gql(client, LIST, {"search": "Mar 14, 2031"}, token)["data"]["scheduledMessages"]["edges"]
    assert [e["node"]["message"]["id"] for e in by_date] == [one]
    by_iso = gql(client, LIST, {"search": "2031-03-14"}, token)["data"]["scheduledMessages"]["edges"]
    assert [e["node"]["message"]["id"] for e in by_iso] == [one]


def test_a_cancelled_scheduled_message_is_never_sent(client, engine):
    token, kid = token_for(engine, "admin"), family(engine)
    result = gql(client, SCHEDULE, {"input": message_input(kid), "schedule": schedule_in(3600)},
                 token)["data"]["scheduleMessage"]
    cancel = """mutation($id: ID!) { cancelScheduledMessage(id: $id) { __typename } }"""
    message_id = pk_of(result["message"]["id"])
    missing = gql(client, cancel, {"id": gid("Message", 999_999_999)}, token)["data"]
    assert missing["cancelScheduledMessage"]["__typename"] == "CancelScheduledMessageErrors"
    for wrong in (str(message_id), gid("Student", message_id)):  # a bare number, another kind's id: as missing
        assert gql(client, cancel, {"id": wrong}, token)["data"] == missing, wrong
    gql(client, cancel, {"id": result["message"]["id"]}, token)
    with session_scope(engine) as session:
        due = send_due_scheduled(session, utcnow() + dt.timedelta(days=2))
    assert message_id not in due.sent + due.failed


def test_sch_15_imported_recipients_travel_with_a_scheduled_draft(client, engine):
    """Covers SCH-15, SCH-03: a draft with CSV-imported recipients, scheduled as a recurring
    message; each occurrence reaches the imported recipients too."""
    from domain.delivery.fan_out import fan_out

    token, kid = token_for(engine, "admin"), family(engine)
    draft = gql(client, """mutation($input: SendMessageInput!) { saveDraft(input: $input) {
        ... on SaveDraftSuccess { message { id } } } }""", {"input": message_input(kid)}, token)
    draft_id = pk_of(draft["data"]["saveDraft"]["message"]["id"])
    outsider = email("outsider")
    with session_scope(engine) as session:
        session.execute(insert(ImportedRecipient), [{"message_id": draft_id, "name": "Visiting Parent",
                                                     "email": outsider, "source_row": 2}])
    scheduled = gql(client, """mutation($id: ID!, $schedule: ScheduleInput!) {
        scheduleDraft(id: $id, schedule: $schedule) { __typename ... on ScheduleMessageSuccess {
          message { status } schedule { nextSendAt } } } }""",
                    {"id": gid("Message", draft_id), "schedule": schedule_in(3600, recurrence="MONTHLY")},
                    token)["data"]["scheduleDraft"]
    assert scheduled["message"]["status"] == "SCHEDULED"
    with session_scope(engine) as session:
        occurrence = send_due_scheduled(session, dt.datetime.fromisoformat(scheduled["schedule"]["nextSendAt"])).sent
    with session_scope(engine) as session:
        fan_out(session, occurrence[0])
    assert outsider in {address for _, _, address in deliveries(engine, occurrence[0])}


@pytest.fixture(autouse=True)
def _no_leftover_due_schedules(engine):
    """Each test leaves no scheduled message due in the past for the queue runs of later tests."""
    yield
    with session_scope(engine) as session:
        session.execute(update(MessageSchedule).where(MessageSchedule.next_send_at < utcnow() + dt.timedelta(days=3))
                        .values(next_send_at=None))


def test_sms_01_voi_01_sms_07_sms_and_calls_on_messages_drafts_and_schedules(client, engine):
    """Covers SMS-01, VOI-01, SMS-07: an SMS needs "Send SMS" and a call "Phone Calls" on a message,
    a draft and a scheduled message alike (FORBIDDEN, nothing written, without them); taking the
    SMS off a scheduled message deletes it, so its send has no SMS. (Templates and announcements
    do not exist yet.)"""
    from domain.access.permissions import Perm
    from helpers import make_user
    from models.directory import Role

    kid = family(engine, mobile_phone=phone())
    no_sms = make_user(engine, Role.ADMIN, without=[Perm.SEND_SMS, Perm.PHONE_CALLS])
    save = """mutation($input: SendMessageInput!) { saveDraft(input: $input) { __typename } }"""
    send = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename } }"""
    before = row_counts(engine)
    for channel in ("SMS", "VOICE"):
        for mutation, variables in ((send, {}), (save, {}), (SCHEDULE, {"schedule": schedule_in(3600)})):
            refused = gql(client, mutation, {"input": message_input(kid, channels=["EMAIL", channel]), **variables},
                          no_sms)
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (channel, mutation[:30])
    assert row_counts(engine) == before
    token = token_for(engine, "admin")
    made = gql(client, SCHEDULE, {"input": message_input(kid, channels=["EMAIL", "SMS"], smsText="Bus late"),
                                  "schedule": schedule_in(3600)}, token)["data"]["scheduleMessage"]
    assert made["__typename"] == "ScheduleMessageSuccess", made
    message_id = made["message"]["id"]
    edited = gql(client, UPDATE, {"id": message_id, "input": message_input(kid, channels=["EMAIL"])},
                 token)["data"]["updateScheduledMessage"]
    assert edited["__typename"] == "ScheduleMessageSuccess", edited
    with session_scope(engine) as session:
        from models.messaging import Message

        stored = session.get(Message, pk_of(message_id))
        assert (stored.channels, stored.sms_text) == (["EMAIL"], None)
    make_due(engine, message_id)
    queue_tick()
    assert wait_for_message(client, token, message_id)["status"] == "COMPLETED"
    assert {channel for channel, _, _ in deliveries(engine, pk_of(message_id))} == {"EMAIL"}
