"""The call window: SMS, calls and push outside it are deferred to its next opening, in the plan and
in the ledger alike; the communication queue releases them when it opens."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from domain.recipients.call_window import CallWindow
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone
from helpers import gid, gql, pk_of, token_for, wait_for_message
from jobs.queue_clock import queue_tick
from models.db import session_scope, utcnow
from models.messaging import Delivery, DeliveryAttempt
from resolve import request, viewer_for

NEW_YORK = ZoneInfo("America/New_York")
DAY = CallWindow(NEW_YORK, dt.time(8, 0), dt.time(20, 0))


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_sys_01_window_is_wall_clock_time_in_the_district_zone_across_dst():
    """Covers SYS-01: 8:00–20:00 New York opens at 13:00 UTC in winter and 12:00 UTC in summer,
    and the night before each DST change opens at the right instant after it."""
    assert DAY.is_open(utc(2026, 1, 15, 13, 0)) and not DAY.is_open(utc(2026, 1, 15, 12, 59))
    assert DAY.is_open(utc(2026, 7, 15, 12, 0)) and not DAY.is_open(utc(2026, 7, 15, 11, 59))
    assert not DAY.is_open(utc(2026, 1, 16, 1, 0))  # 20:00 EST: the end is exclusive
    # Spring forward (Sunday 8 March 2026): 21:00 EST Saturday → 8:00 EDT Sunday = 12:00 UTC.
    assert DAY.next_opening(utc(2026, 3, 8, 2, 0)) == utc(2026, 3, 8, 12, 0)
    # Fall back (Sunday 1 November 2026): 21:00 EDT Saturday → 8:00 EST Sunday = 13:00 UTC.
    assert DAY.next_opening(utc(2026, 11, 1, 1, 0)) == utc(2026, 11, 1, 13, 0)
    # Early morning the same day: opens that morning, not the next.
    assert DAY.next_opening(utc(2026, 1, 15, 10, 0)) == utc(2026, 1, 15, 13, 0)
    # Open now: it goes now.
    assert DAY.next_opening(utc(2026, 1, 15, 15, 0)) == utc(2026, 1, 15, 15, 0)


def test_sys_01_start_inside_the_spring_gap_or_the_repeated_hour():
    """Covers SYS-01: a window starting at 2:30 opens at the 3:00 jump on the spring-forward night,
    and at the first 1:30 of the repeated autumn hour."""
    gap = CallWindow(NEW_YORK, dt.time(2, 30), dt.time(20, 0))
    assert gap.next_opening(utc(2026, 3, 8, 4, 0)) == utc(2026, 3, 8, 7, 0)
    repeated = CallWindow(NEW_YORK, dt.time(1, 30), dt.time(20, 0))
    assert repeated.next_opening(utc(2026, 11, 1, 4, 0)) == utc(2026, 11, 1, 5, 30)


def test_sys_01_overnight_and_absent_windows():
    """Covers SYS-01: an end before the start runs across midnight; equal times hold nothing."""
    night = CallWindow(NEW_YORK, dt.time(22, 0), dt.time(6, 0))
    assert night.is_open(utc(2026, 1, 15, 4, 0)) and not night.is_open(utc(2026, 1, 15, 17, 0))
    assert night.next_opening(utc(2026, 1, 15, 17, 0)) == utc(2026, 1, 16, 3, 0)
    always = CallWindow(NEW_YORK, dt.time(0, 0), dt.time(0, 0))
    assert always.is_open(utc(2026, 1, 15, 4, 0)) and always.deferral(utc(2026, 1, 15, 4, 0), emergency=False) is None


def family(engine) -> int:
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email(), mobile_phone=phone())
    return kid


PLAN = """
query Plan($input: SendMessageInput!) {
  recipientPlan(input: $input, first: 50) {
    ... on RecipientPlan {
      callWindow { channels opensAt warning }
      deliveries { nodes { channel status willSend reason notBefore } }
    }
  }
}
"""

SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename
    ... on SendMessageSuccess { message { id } callWindow { channels opensAt warning } }
  }
}
"""


def test_sys_02_plan_and_send_defer_sms_outside_the_window_and_release_it_when_it_opens(
        client, engine, closed_window):
    """Covers SYS-01, SYS-02: outside the window the plan shows the SMS as DEFERRED
    (DEFERRED_CALL_WINDOW) until the opening and the email as going now, and both the plan and
    sendMessage warn; the ledger agrees; the email goes at once, the SMS only after a queue run at
    the opening, exactly once."""
    token = token_for(engine, "admin")
    kid = family(engine)
    message_input = {"htmlBody": "<p>Field trip</p>", "channels": ["EMAIL", "SMS"],
                     "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)]}
    plan = gql(client, PLAN, {"input": message_input}, token)["data"]["recipientPlan"]
    window = plan["callWindow"]
    assert window["channels"] == ["SMS"] and "SMS will go out when it opens" in window["warning"]
    by_channel = {node["channel"]: node for node in plan["deliveries"]["nodes"]}
    assert by_channel["EMAIL"] == {"channel": "EMAIL", "status": "QUEUED", "willSend": True, "reason": None,
                                   "notBefore": None}
    assert by_channel["SMS"]["status"] == "DEFERRED" and by_channel["SMS"]["reason"] == "DEFERRED_CALL_WINDOW"
    assert by_channel["SMS"]["willSend"] is True and by_channel["SMS"]["notBefore"] == window["opensAt"]
    opens_at = dt.datetime.fromisoformat(window["opensAt"])
    assert opens_at > utcnow() + dt.timedelta(minutes=110)

    sent = gql(client, SEND, {"input": message_input}, token)["data"]["sendMessage"]
    assert sent["callWindow"]["channels"] == ["SMS"]
    message_id = pk_of(sent["message"]["id"])
    deadline = time.monotonic() + 60
    while True:  # the email goes out at once; the SMS waits
        with session_scope(engine) as session:
            rows = dict(session.execute(select(Delivery.channel, Delivery.status)
                                        .where(Delivery.message_id == message_id)).all())
        if rows.get("EMAIL") == "SENT" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert rows == {"EMAIL": "SENT", "SMS": "DEFERRED"}
    with session_scope(engine) as session:
        not_before = session.execute(select(Delivery.not_before).where(
            Delivery.message_id == message_id, Delivery.channel == "SMS")).scalar_one()
    assert not_before.replace(tzinfo=dt.UTC) == opens_at

    assert queue_tick(now=opens_at - dt.timedelta(seconds=1)).released == 0  # not yet
    released = queue_tick(now=opens_at)
    assert released.released >= 1
    assert wait_for_message(client, token, gid("Message", message_id))["status"] == "COMPLETED"
    queue_tick(now=opens_at + dt.timedelta(minutes=1))
    with session_scope(engine) as session:
        sms = session.execute(select(Delivery.id, Delivery.status).where(
            Delivery.message_id == message_id, Delivery.channel == "SMS")).one()
        attempts = session.execute(select(DeliveryAttempt.id).where(DeliveryAttempt.delivery_id == sms.id)).all()
    assert sms.status == "SENT" and len(attempts) == 1


def test_sms_03_an_emergency_is_not_held_by_the_window(engine, closed_window):
    """Covers SMS-03 and VOI-10 (the call-window half): an emergency SMS or call goes now."""
    kid = family(engine)
    with session_scope(engine) as session:
        viewer = viewer_for(session, "admin")
        normal = create_message(session, viewer, request("PRIMARY_CONTACTS", [kid], channels=("SMS", "VOICE")))
        urgent = create_message(session, viewer, request("PRIMARY_CONTACTS", [kid], channels=("SMS", "VOICE"),
                                                         emergency=True))
        for message in (normal, urgent):
            fan_out(session, message.id)
        statuses = dict(session.execute(select(Delivery.message_id, Delivery.status).where(
            Delivery.message_id.in_([normal.id, urgent.id]))).all())
    assert statuses == {normal.id: "DEFERRED", urgent.id: "QUEUED"}


def test_a_queued_delivery_whose_job_was_lost_is_dispatched_by_the_next_queue_run(client, engine):
    """Covers JOB-05: deliveries left QUEUED without a job (a lost queue message) are handed out
    again by a queue run, sent once, and a later run sends nothing more."""
    token = token_for(engine, "admin")
    kid = family(engine)
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request("PRIMARY_CONTACTS", [kid]))
        fan_out(session, message.id)  # rows written; no dispatch job was ever enqueued
        session.execute(update(Delivery).where(Delivery.message_id == message.id)
                        .values(updated_at=utcnow() - dt.timedelta(hours=1)))
    due = queue_tick()
    assert any(ids for _, ids in due.chunks)
    assert wait_for_message(client, token, gid("Message", message.id))["status"] == "COMPLETED"
    queue_tick(now=utcnow() + dt.timedelta(hours=1))
    with session_scope(engine) as session:
        attempts = session.execute(select(DeliveryAttempt.id).join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
                                   .where(Delivery.message_id == message.id)).all()
    assert len(attempts) == 1
