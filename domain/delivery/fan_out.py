"""Fan-out: write every delivery row of a message in one INSERT … SELECT over its resolution,
and hand a message's queued deliveries on to dispatch.

Rows that will not be sent are written too, with the reason as their status (DESIGN "The
delivery ledger"). The same resolution feeds the dry-run plan (domain.recipients.plan). A message
sent now has its rows written in the request; a scheduled one at its queue run's hand-on job.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import case, distinct, func, insert, literal, select, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Engine
from sqlmodel import Session

from channels.translators.base import TranslatorPlugin
from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.delivery import progress_events
from domain.delivery.in_app import announce_arrivals, file_in_threads
from domain.delivery.progress_events import ProgressBus
from domain.delivery.policy import (
    ChunkSizes,
    JobQueue,
    chunk_by_channel,
    complete_messages_with_nothing_open,
    dispatch_after_commit,
    in_lanes,
)
from domain.recipients.resolution import ALL_ROWS, EXTERNAL_ROWS, IN_APP_ROWS, ROW_COLUMNS, resolution
from domain.support.insert_once import insert_once
from domain.translations.machine import translate_for_send
from models.db import session_scope, utcnow
from models.templates import LetterLog, LetterLogSource
from models.messaging import (
    OPEN_DELIVERY_STATUSES,
    Delivery,
    DeliveryStatus as DS,
    Message,
    MessageStatus,
    RecipientKind,
)

_TIMESTAMP = Delivery.__table__.c.created_at.type


@dataclasses.dataclass(frozen=True)
class FanOutResult:
    message_id: int
    already_done: bool
    deliveries_written: int
    people: int = 0  # recipients among the rows, each once whatever their channels (CMP-27)


def fan_out(session: Session, message_id: int, *, in_app_now: bool = True) -> FanOutResult:
    """Write every delivery row of a message once; a repeated call writes nothing (JOB-05).
    Recipients are resolved now, when the message is dispatched, not when it was saved (RCP-27).
    ``in_app_now=False`` (a send in a request, the hand-on job) leaves the in-app rows for
    ``file_in_app``, which the hand-on job runs once dispatch has its chunks."""
    now = utcnow()
    claimed = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.fanned_out_at.is_(None),
               Message.status == MessageStatus.QUEUED.value)  # a recalled message is never fanned out
        .values(fanned_out_at=now, status=MessageStatus.SENDING.value,
                in_app_filed_at=now if in_app_now else None)
    ).rowcount
    if not claimed:
        return FanOutResult(message_id, True, 0)
    message = session.get(Message, message_id)
    session.refresh(message)
    _insert_rows(session, message, resolution(session, message, rows_of=ALL_ROWS if in_app_now else EXTERNAL_ROWS),
                 now)
    open_statuses = [status.value for status in OPEN_DELIVERY_STATUSES]
    # One pass over the new rows: how many, how many still open, and how many people. Without the
    # in-app rows the email, SMS or call rows name everyone (a row per recipient, sent or not), as
    # domain.messages.send.in_app_in_request makes sure.
    people_of_kind = [func.count(distinct(case((Delivery.recipient_kind == kind.value, Delivery.recipient_id))))
                      for kind in RecipientKind]
    written, still_open, *people = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Delivery.status.in_(open_statuses), 1), else_=0)), 0),
               *people_of_kind)
        .where(Delivery.message_id == message_id)).one()
    session.execute(update(Message).where(Message.id == message_id).values(open_deliveries=still_open))
    if in_app_now:
        file_in_threads(session, message, at=now)
    if message.add_log_record:
        log_letters(session, message, now)
    return FanOutResult(message_id, False, written, sum(people))


def log_letters(session: Session, message: Message, now) -> None:
    """CMP-10, CMP-04: one letter-log row per student the message reached (or reached the contacts
    of) and per staff user it reached, filed under its academic record category; two statements,
    run with the fan-out that claimed the message, and skipping anyone the message already logged
    as sent (the letter log's unique keys), so no resend or repeated run writes an entry twice."""
    common = (literal(message.id), literal(LetterLogSource.SENT.value), literal(message.academic_record_category),
              literal(message.subject), literal(message.sender_id), literal(now, type_=_TIMESTAMP))
    columns = ["message_id", "source", "academic_record_category", "subject", "logged_by_id", "created_at"]
    students = select(Delivery.student_id).where(Delivery.message_id == message.id,
                                                 Delivery.student_id.is_not(None)).distinct().subquery()
    users = select(Delivery.recipient_id).where(Delivery.message_id == message.id, Delivery.student_id.is_(None),
                                                Delivery.recipient_kind == RecipientKind.USER.value).distinct().subquery()
    connection = session.connection()
    # (Each SELECT has a WHERE: SQLite would read a bare SELECT's ON CONFLICT as a join's ON.)
    connection.execute(insert_once(session, LetterLog.__table__).from_select(
        ["student_id", *columns], select(students.c.student_id, *common).where(true())))
    connection.execute(insert_once(session, LetterLog.__table__).from_select(
        ["user_id", *columns], select(users.c.recipient_id, *common).where(true())))


def _insert_rows(session: Session, message: Message, resolved, now) -> None:
    rows = select(
        literal(message.id), *[resolved.rows.c[name] for name in ROW_COLUMNS],
        literal(0), literal(now, type_=_TIMESTAMP), literal(now, type_=_TIMESTAMP),
    )
    # Core, on the session's connection: ORM insert() would read the parameters as rows to insert.
    session.connection().execute(insert(Delivery.__table__).from_select(
        ["message_id", *ROW_COLUMNS, "attempts", "created_at", "updated_at"], rows), resolved.params)


def file_in_app(session: Session, message_id: int) -> bool:
    """Write a fanned-out message's in-app rows (DELIVERED, one per account) and file it in its
    threads, once (the claim is ``in_app_filed_at``); then it may complete. A recalled message is
    filed with no rows. Returns whether this call filed it."""
    now = utcnow()
    claimed = session.execute(
        update(Message).where(Message.id == message_id, Message.fanned_out_at.is_not(None),
                              Message.in_app_filed_at.is_(None)).values(in_app_filed_at=now)).rowcount
    if not claimed:
        return False
    message = session.get(Message, message_id)
    session.refresh(message)
    if message.status == MessageStatus.CANCELLED.value:
        return True
    _insert_rows(session, message, resolution(session, message, rows_of=IN_APP_ROWS), now)
    file_in_threads(session, message, at=now)
    complete_messages_with_nothing_open(session, Message.id == message_id, now=now)
    return True


def hand_on(engine: Engine, jobs: JobQueue, events: ProgressBus, message_id: int, *,
            translator: TranslatorPlugin | None = None, translation_attempt: int = 0) -> float | None:
    """What the hand-on job does: write the message's rows if it has none yet (a scheduled message
    at its queue run; a message sent now has them already), translate the message into its
    deliveries' languages (TRN-01: once per language, before any of them is dispatched), then hand
    its queued deliveries to dispatch in their lanes' chunks once that commits (push waits for a
    queue run, JOB-04). Idempotent: a second run writes no rows, translates only what is missing
    and only hands on what is still queued.
    Then, once dispatch has its chunks, the in-app rows are written and filed in threads
    (file_in_app), and the readers listening to their inbox hear of the message, once per message
    whichever run wrote its rows: the inbox never delays the first email of an emergency.
    Returns None, or the seconds after which the job should run again: a busy translator."""
    with session_scope(engine) as session:
        written = fan_out(session, message_id, in_app_now=False)
        if not written.already_done:
            audit_scheduled_send(session, message_id, written.people)
    progress_events.publish(events, [message_id])
    wait = translate_for_send(engine, message_id, translator, attempt=translation_attempt)
    if wait is not None:
        return wait
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        fanned_out = message.fanned_out_at is not None
        chunks = queued_chunks_by_channel(session, message_id, jobs.chunk_sizes())
        completed, filed = 0, False
        if chunks:
            dispatch_after_commit(session, jobs, in_lanes(chunks, emergency=message.emergency,
                                                          priority=message.priority))
        else:
            completed = complete_messages_with_nothing_open(session, Message.id == message_id, now=utcnow())
    if fanned_out:
        with session_scope(engine) as session:
            filed = file_in_app(session, message_id)
    if completed or (fanned_out and filed):  # both change what progress subscribers read
        progress_events.publish(events, [message_id])
    if fanned_out and events is not None and events.first_claim(f"arrivals:{message_id}"):
        with session_scope(engine) as session:
            announce_arrivals(session, events, message_id)
    if filed:  # the inbox rows' languages, for readers who switch to the translation (TRN-03)
        return translate_for_send(engine, message_id, translator, attempt=translation_attempt, inbox_only=True)
    return None


def audit_scheduled_send(session: Session, message_id: int, people: int) -> None:
    """A message fanned out by its hand-on job went out at its time (a scheduled one, or one a
    queue run picked up): audited in the fan-out's transaction, as its sender's action."""
    message = session.get(Message, message_id)
    record(session, Actor(user_id=message.sender_id), AuditAction.SCHEDULED_MESSAGE_SENT, object_type="message",
           object_ids=[message_id], students=message_students(message_id), recipient_count=people)


def message_students(message_id: int):
    """The students a message's deliveries concern (each student, and each contact's student)."""
    return select(Delivery.student_id).where(Delivery.message_id == message_id)


def queued_delivery_chunks(session: Session, message_id: int, chunk_size: int | ChunkSizes) -> list[list[int]]:
    """Ids of the message's queued deliveries, grouped by channel, in chunks for dispatch."""
    return [ids for _, ids in queued_chunks_by_channel(session, message_id, chunk_size)]


def queued_chunks_by_channel(session: Session, message_id: int,
                             chunk_size: int | ChunkSizes) -> list[tuple[str, list[int]]]:
    """(channel, ids) chunks of the message's queued deliveries, for dispatch, each of its
    channel's chunk size. On PostgreSQL the chunks are cut and aggregated by the database (a few
    hundred arrays, not 100k rows)."""
    sizes = ChunkSizes.of(chunk_size)
    if session.get_bind().dialect.name == "postgresql":
        size = case(*((Delivery.channel == channel, size) for channel, size in sizes.by_channel.items()),
                    else_=sizes.configured) if sizes.by_channel else sizes.configured
        numbered = (select(Delivery.id, Delivery.channel, ((func.row_number().over(
            partition_by=Delivery.channel, order_by=Delivery.id) - 1) // size).label("bucket"))
            .where(Delivery.message_id == message_id, Delivery.status == DS.QUEUED.value).subquery())
        return [(channel, list(ids)) for channel, ids in session.execute(
            select(numbered.c.channel, func.array_agg(aggregate_order_by(numbered.c.id, numbered.c.id)))
            .group_by(numbered.c.channel, numbered.c.bucket).order_by(numbered.c.channel, numbered.c.bucket)).all()]
    rows = session.execute(
        select(Delivery.id, Delivery.channel)
        .where(Delivery.message_id == message_id, Delivery.status == DS.QUEUED.value)
    ).all()
    return chunk_by_channel([tuple(row) for row in rows], sizes)
