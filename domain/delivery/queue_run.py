"""The communication queue: what a queue run (JOB/SCH "the queue runs every N seconds") hands to
dispatch. The database is the source of truth: a run that dies, or a queue message that is lost,
is made good by the next run.

- Deferred deliveries whose call window has opened become QUEUED (SYS-01).
- QUEUED deliveries that nobody claimed for a while (their dispatch job was lost, say with a Redis
  restart) are handed out again; dispatch's conditional claim means a repeat never sends twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from domain.delivery.dispatch import recount_open_deliveries
from domain.delivery.lanes import Lane, lane_of
from domain.delivery.policy import QUEUE_RUN_ONLY_CHANNELS, ChunkSizes, dispatch_chunks
from models.messaging import Delivery, DeliveryStatus as DS, Message, MessageStatus
from models.scheduling import MessageSchedule

#: A QUEUED delivery untouched this long lost its dispatch job (a retry waits for its not_before).
STALE_QUEUED_AFTER = dt.timedelta(minutes=10)


@dataclasses.dataclass(frozen=True)
class Due:
    released: int
    chunks: list[tuple[Lane, list[int]]]  # most urgent lane first
    fan_outs: list[tuple[Lane, int]] = dataclasses.field(default_factory=list)  # messages to fan out


def sending_messages():
    """The messages still sending: every delivery that can still change belongs to one (a
    message completes when none is open), and they are few, so the queue run reads the ledger
    through them and the ledger's message index rather than by status (which no index names)."""
    return select(Message.id).where(Message.status == MessageStatus.SENDING.value)


def release_deferred(session: Session, now: dt.datetime) -> list[tuple[int, str, int]]:
    """DEFERRED → QUEUED, in one statement, for every delivery whose window opened by ``now``;
    returns (id, channel, message_id) of each."""
    return [tuple(row) for row in session.execute(
        update(Delivery)
        .where(Delivery.message_id.in_(sending_messages()),
               Delivery.status == DS.DEFERRED.value, Delivery.not_before <= now)
        .values(status=DS.QUEUED.value, updated_at=now)
        .returning(Delivery.id, Delivery.channel, Delivery.message_id)
    ).all()]


def due_queued(session: Session, now: dt.datetime, older_than: dt.timedelta = STALE_QUEUED_AFTER):
    """QUEUED deliveries of sending messages that a queue run hands to dispatch: push (JOB-04:
    push goes out only in queue runs) and any delivery untouched for ``older_than`` (its dispatch
    job went missing), but none still waiting for a retry. Returns (id, channel, message_id)."""
    return [tuple(row) for row in session.execute(
        select(Delivery.id, Delivery.channel, Delivery.message_id)
        .where(Delivery.message_id.in_(sending_messages()),
               Delivery.status == DS.QUEUED.value,
               or_(Delivery.channel.in_(QUEUE_RUN_ONLY_CHANNELS), Delivery.updated_at < now - older_than),
               or_(Delivery.not_before.is_(None), Delivery.not_before <= now))
        .order_by(Delivery.id)
    ).all()]


def due_work(session: Session, now: dt.datetime, chunk_size: int | ChunkSizes) -> Due:
    """Release what the window let through and collect every chunk dispatch should be given, in
    its message's lane, most urgent first, each of its channel's chunk size."""
    released = release_deferred(session, now)
    recount_open_deliveries(session)
    rows = sorted(set(released + due_queued(session, now)))
    urgency = {message_id: (emergency, priority) for message_id, emergency, priority in session.execute(
        select(Message.id, Message.emergency, Message.priority)
        .where(Message.id.in_({message_id for _, _, message_id in rows}))).all()} if rows else {}
    return Due(len(released), dispatch_chunks(rows, urgency, chunk_size, queue_run=True), stale_fan_outs(session, now))


def stale_fan_outs(session: Session, now: dt.datetime, older_than: dt.timedelta = STALE_QUEUED_AFTER):
    """Messages stored to send (QUEUED) whose fan-out never happened, or fanned out whose in-app
    rows were never filed: the job was lost. Fan-out and filing each claim a message once, so
    handing one out twice writes nothing twice."""
    cutoff = now - older_than
    sent_by_schedule = select(MessageSchedule.message_id).where(MessageSchedule.last_sent_at >= cutoff)
    never_fanned_out = and_(Message.status == MessageStatus.QUEUED.value, Message.fanned_out_at.is_(None),
                            Message.created_at < cutoff, Message.id.not_in(sent_by_schedule))
    # Fanned out, but the hand-on job died before it filed the in-app rows: it files them on a rerun.
    never_filed = and_(Message.status == MessageStatus.SENDING.value, Message.in_app_filed_at.is_(None),
                       Message.fanned_out_at < cutoff)
    rows = session.execute(
        select(Message.id, Message.emergency, Message.priority).where(or_(never_fanned_out, never_filed))).all()
    return [(lane_of(emergency=emergency, priority=priority), message_id) for message_id, emergency, priority in rows]
