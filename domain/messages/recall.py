"""Recall: cancel a message that is scheduled, waiting for fan-out, or mid-dispatch.

Every delivery not yet handed to a provider becomes CANCELLED in one statement (dispatch only
ever claims QUEUED rows, so none of them can be sent afterwards), and the call waits for the
batches already with a provider to finish, so nothing is sent after it returns.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from domain.delivery.policy import settle
from domain.messages.send import MessageNotFound
from domain.access.viewer import Viewer
from models.db import session_scope, utcnow
from models.messaging import Delivery, DeliveryStatus as DS, Message, MessageStatus
from models.scheduling import MessageSchedule

RECALLABLE = (MessageStatus.SCHEDULED.value, MessageStatus.ERRORED.value, MessageStatus.QUEUED.value,
              MessageStatus.SENDING.value)
NOT_YET_SENT = (DS.PLANNED.value, DS.DEFERRED.value, DS.QUEUED.value)


@dataclasses.dataclass(frozen=True)
class Recalled:
    message_id: int
    cancelled: int  # deliveries that will never be sent
    sent_before: int  # deliveries already sent when the recall came
    still_in_flight: int  # with a provider past the wait (a crashed worker's; the queue run reconciles them)


def recall_message(engine: Engine, viewer: Viewer, message_id: int, wait_seconds: float = 30.0) -> Recalled:
    """Two transactions, in the order dispatch takes the same locks. The first marks the message
    CANCELLED under its row lock (it waits for a fan-out under way, and no fan-out or deferred
    release starts after it). The second cancels every delivery not yet handed to a provider,
    holding no lock on the message while it waits for chunks being recorded: a recording chunk
    holds its deliveries and then takes the message row to lower its counter, so updating the
    deliveries under the message lock deadlocked with it."""
    now = utcnow()
    with session_scope(engine) as session:
        message = session.execute(select(Message).where(
            Message.id == message_id, Message.sender_id == viewer.id, Message.status.in_(RECALLABLE))
            .with_for_update()).scalars().first()
        if message is None:
            raise MessageNotFound(message_id)
        session.execute(update(Message).where(Message.id == message_id).values(
            status=MessageStatus.CANCELLED.value, completed_at=now))
        session.execute(update(MessageSchedule).where(MessageSchedule.message_id == message_id)
                        .values(next_send_at=None))
    with session_scope(engine) as session:
        cancelled = session.execute(
            update(Delivery).where(Delivery.message_id == message_id, Delivery.status.in_(NOT_YET_SENT))
            .values(status=DS.CANCELLED.value, reason="recalled by the sender", updated_at=now)).rowcount
        settle(session, Counter({message_id: cancelled}), now)
    deadline = time.monotonic() + wait_seconds
    while True:
        with session_scope(engine) as session:
            counts = dict(session.execute(select(Delivery.status, func.count()).where(
                Delivery.message_id == message_id).group_by(Delivery.status)).all())
        in_flight = counts.get(DS.SENDING.value, 0)
        if not in_flight or time.monotonic() >= deadline:
            return Recalled(message_id, counts.get(DS.CANCELLED.value, 0), counts.get(DS.SENT.value, 0), in_flight)
        time.sleep(0.05)
