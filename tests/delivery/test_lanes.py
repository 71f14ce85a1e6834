"""Priority lanes: emergency calls and SMS, then priority messages, overtake a normal backlog."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.delivery.lanes import Lane, lane_of
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone, seeded_students
from jobs import enqueue_dispatch, enqueue_hand_on
from models.db import session_scope
from models.messaging import Delivery, DeliveryAttempt, Message
from resolve import request, viewer_for


def test_cmp_07_lane_rules():
    """Covers CMP-07: an emergency's calls and SMS ride the emergency lane, its email and push go
    with priority messages; priority messages go ahead of normal ones."""
    assert lane_of(emergency=True, priority=False, channel="SMS") is Lane.EMERGENCY
    assert lane_of(emergency=True, priority=False, channel="VOICE") is Lane.EMERGENCY
    assert lane_of(emergency=True, priority=False, channel="EMAIL") is Lane.PRIORITY
    assert lane_of(emergency=False, priority=True, channel="SMS") is Lane.PRIORITY
    assert lane_of(emergency=False, priority=False, channel="SMS") is Lane.NORMAL
    assert Lane.EMERGENCY.worker_priority < Lane.PRIORITY.worker_priority < Lane.NORMAL.worker_priority


def _attempt_times(engine, message_id):
    with session_scope(engine) as session:
        return sorted(session.execute(
            select(DeliveryAttempt.started_at).join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
            .where(Delivery.message_id == message_id)).scalars())


def _wait_until_complete(engine, message_ids, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            done = session.execute(select(func.count()).select_from(Message).where(
                Message.id.in_(message_ids), Message.status == "COMPLETED")).scalar_one()
        if done == len(message_ids):
            return
        time.sleep(0.05)
    raise AssertionError("messages did not complete")


def test_cmp_07_emergency_and_priority_overtake_a_normal_message_mid_dispatch(engine, client):
    """Covers CMP-07, JOB-05 (the client fixture runs the worker): with a normal message's backlog of small dispatch jobs queued, a
    priority message and an emergency SMS sent afterwards are both attempted while most of the
    backlog still waits; every delivery is attempted exactly once."""
    with session_scope(engine) as session:
        admin = viewer_for(session, "admin")
        everyone = seeded_students(session)
        normal = create_message(session, admin, request("ALL_CONTACTS", everyone))
        fan_out(session, normal.id)
        backlog = [ids[i:i + 2] for ids in queued_delivery_chunks(session, normal.id, 10_000)
                   for i in range(0, len(ids), 2)]
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, mobile_phone=phone(), email=email())
    with session_scope(engine) as session:
        admin = viewer_for(session, "admin")
        priority = create_message(session, admin, request("PRIMARY_CONTACTS", [kid], priority=True))
        emergency = create_message(session, admin, request("PRIMARY_CONTACTS", [kid], channels=("SMS",),
                                                           emergency=True))
    assert len(backlog) >= 200
    enqueue_dispatch((Lane.NORMAL, ids) for ids in backlog)
    enqueue_hand_on(priority.id, Lane.PRIORITY)
    enqueue_hand_on(emergency.id, Lane.EMERGENCY)
    _wait_until_complete(engine, [normal.id, priority.id, emergency.id])

    normal_attempts = _attempt_times(engine, normal.id)
    assert len(normal_attempts) == sum(len(ids) for ids in backlog)  # each once
    for urgent in (priority.id, emergency.id):
        [attempt] = _attempt_times(engine, urgent)
        later = sum(1 for started in normal_attempts if started > attempt)
        assert later > len(normal_attempts) / 2, (urgent, later, len(normal_attempts))
