"""The communication report (RPT-*): every sent message with its figures, per-recipient rows,
CSV export and "resend to failed".

Who sees what (interpretation; the catalogue names no report permission):
- a message: every staff member sees the messages they sent; an administrator also sees those
  sent by staff of their schools and those sent as one of their schools; a district administrator
  (Perm.DISTRICT_SETTINGS) sees every message. Drafts are their owner's alone.
- its deliveries: all of them for its sender and a district administrator; for anyone else only
  those to recipients in their own scope (students of theirs and those students' contacts, staff
  at their schools), so a principal never reads another school's families. message(id), the
  report's figures, the CSV export and live progress all apply it (readable_deliveries).
- a partner key limited to schools (issue 16 point 3) is neither sender nor district
  administrator, whoever created it: it reads the sent messages that reached a recipient at one of
  its schools (a student there or a contact of one, a staff member there), and of each only those
  deliveries. A key without schools reads as its creator does.
- resending: the sender and district administrators.
All figures come from the delivery ledger with one GROUP BY per page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session

from domain.support.keyset import KeysetList

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.access.message_scope import visible_messages
from domain.access.scope import (
    deliveries_at_schools,
    is_district_administrator,
    limited_to_schools,
    staff_in_scope,
    students_in_scope,
)
from domain.access.viewer import Viewer
from domain.delivery.attempts import attempts_by_delivery
from domain.delivery.policy import JobQueue, dispatch_after_commit, dispatch_chunks
from domain.messages.send import refuse_outside_recipients
from domain.recipients.plan import reason_code
from domain.support.global_ids import RECIPIENT_KINDS, Kind, global_id, optional_global_id, shown_address
from models.directory import School, User
from models.db import utcnow
from models.messaging import Delivery, DeliveryStatus as DS, Message, MessageStatus, RecipientKind

#: Statuses that count as errors in the report (RPT-01).
ERROR_STATUSES = (DS.FAILED.value,)


@dataclasses.dataclass(frozen=True)
class ReportFilter:
    sent_from: dt.datetime | None = None
    sent_to: dt.datetime | None = None
    sender_id: int | None = None
    emergency: bool | None = None
    search: str | None = None  # in the subject or the sender's name


@dataclasses.dataclass(frozen=True)
class ReportRow:
    message: Message
    source: str  # USER, SCHOOL or DISTRICT (RPT-03)
    from_name: str
    sender_name: str
    recipients: int
    total: int
    errors: int
    status_counts: dict[str, int]


def deliveries_in_scope(viewer: Viewer):
    """A WHERE clause on Delivery: recipients within the viewer's own scope, one set-based test
    (a student of theirs or a contact of one, by the delivery's student; a staff user at one of
    their schools). Imported recipients are in nobody's scope."""
    if limited_to_schools(viewer):
        return deliveries_at_schools(viewer.school_ids)
    return or_(Delivery.student_id.in_(students_in_scope(viewer)),
               and_(Delivery.recipient_kind == RecipientKind.USER.value,
                    Delivery.recipient_id.in_(staff_in_scope(viewer))))


def reads_every_delivery(viewer: Viewer, sender_id: int) -> bool:
    if limited_to_schools(viewer):  # even its creator's own message: only its schools' recipients
        return False
    return sender_id == viewer.id or is_district_administrator(viewer)


def readable_deliveries(viewer: Viewer, sender_id: int) -> tuple:
    """WHERE clauses on Delivery for one message the viewer may read: none for its sender or a
    district administrator, else its recipients in the viewer's scope."""
    return () if reads_every_delivery(viewer, sender_id) else (deliveries_in_scope(viewer),)


def readable_deliveries_of(viewer: Viewer, senders: dict[int, int]):
    """One WHERE clause on Delivery for several messages (id -> sender id): readable_deliveries
    of each, as one set-based test."""
    readable = Delivery.message_id.in_(senders)
    others = [message_id for message_id, sender_id in senders.items() if not reads_every_delivery(viewer, sender_id)]
    if others:  # another's message: its figures count the recipients in the viewer's scope only
        readable = and_(readable, or_(Delivery.message_id.not_in(others), deliveries_in_scope(viewer)))
    return readable


def status_counts(session: Session, viewer: Viewer, senders: dict[int, int]) -> dict[int, dict[str, int]]:
    """Readable deliveries per status of several messages (id -> sender id), in one statement."""
    counts: dict[int, dict[str, int]] = {message_id: {} for message_id in senders}
    if not senders:
        return counts
    for message_id, status, count in session.execute(
            select(Delivery.message_id, Delivery.status, func.count())
            .where(readable_deliveries_of(viewer, senders)).group_by(Delivery.message_id, Delivery.status)).all():
        counts[message_id][status] = count
    return counts


def _filtered(viewer: Viewer, report_filter: ReportFilter):
    where = [visible_messages(viewer), Message.status.in_([MessageStatus.SENDING.value, MessageStatus.COMPLETED.value])]
    if report_filter.sent_from is not None:
        where.append(Message.created_at >= report_filter.sent_from)
    if report_filter.sent_to is not None:
        where.append(Message.created_at < report_filter.sent_to)
    if report_filter.sender_id is not None:
        where.append(Message.sender_id == report_filter.sender_id)
    if report_filter.emergency is not None:
        where.append(Message.emergency == report_filter.emergency)
    if report_filter.search:
        pattern = f"%{report_filter.search.strip().lower()}%"
        where.append(or_(func.lower(Message.subject).like(pattern), Message.sender_id.in_(
            select(User.id).where(func.lower(User.first_name + " " + User.last_name).like(pattern)))))
    return where


def report_list(session: Session, viewer: Viewer, report_filter: ReportFilter) -> KeysetList:
    """The report's messages, newest first; a page's rows come with their figures (four statements
    whatever the page size)."""
    return KeysetList(select(Message).where(*_filtered(viewer, report_filter)), Message.id, newest_first=True,
                      key_of=lambda row: row.message.id,
                      finish=lambda messages: _report_rows(session, viewer, messages))


def _report_rows(session: Session, viewer: Viewer, messages: list[Message]) -> list[ReportRow]:
    sender_of = {m.id: m.sender_id for m in messages}
    readable = readable_deliveries_of(viewer, sender_of)
    counts = status_counts(session, viewer, sender_of)
    people = select(Delivery.message_id, Delivery.recipient_kind, Delivery.recipient_id).where(
        readable).distinct().subquery()
    recipients = dict(session.execute(select(people.c.message_id, func.count()).group_by(people.c.message_id)).all())
    senders = {u.id: u for u in session.execute(
        select(User).where(User.id.in_({m.sender_id for m in messages}))).scalars()}
    schools = {s.id: s for s in session.execute(select(School).where(School.id.in_(
        {m.send_as_school_id for m in messages if m.send_as_school_id}))).scalars()}
    rows = []
    for message in messages:
        sender = senders[message.sender_id]
        sender_name = f"{sender.first_name} {sender.last_name}"
        if message.send_as_district:
            source, from_name = "DISTRICT", viewer.district.name
        elif message.send_as_school_id:
            source, from_name = "SCHOOL", schools[message.send_as_school_id].name
        else:
            source, from_name = "USER", sender_name
        by_status = counts[message.id]
        rows.append(ReportRow(message, source, from_name, sender_name, recipients.get(message.id, 0),
                              sum(by_status.values()), sum(by_status.get(s, 0) for s in ERROR_STATUSES), by_status))
    return rows


def visible_message(session: Session, viewer: Viewer, message_id: int) -> Message | None:
    return session.execute(select(Message).where(Message.id == message_id, visible_messages(viewer))).scalars().first()


def resend_failed(session: Session, viewer: Viewer, message_id: int,
                  jobs: JobQueue | None = None) -> tuple[Message, list[tuple[str, int]]] | None:
    """Queue the message's FAILED deliveries again (nothing else); returns the message and the
    (channel, id) pairs requeued, or None when the viewer is neither its sender nor a district
    administrator (answered like a missing message). A message with Cc or imported recipients needs
    "Send to Outside Addresses" again, as sending it did (AuthorizationError, nothing written).
    Once the caller commits, ``jobs`` dispatches them in their lanes' chunks; push waits for the
    next queue run (JOB-04)."""
    message = visible_message(session, viewer, message_id)
    if message is None or not reads_every_delivery(viewer, message.sender_id):
        return None
    refuse_outside_recipients(session, viewer, message)
    rows = session.execute(
        update(Delivery)
        .where(Delivery.message_id == message_id, Delivery.status == DS.FAILED.value)
        .values(status=DS.QUEUED.value, error_code=None, reason="resent to failed", not_before=None,
                updated_at=utcnow())
        .returning(Delivery.id, Delivery.channel)
    ).all()
    if rows:
        session.execute(update(Message).where(Message.id == message_id).values(
            open_deliveries=Message.open_deliveries + len(rows), status=MessageStatus.SENDING.value,
            completed_at=None))
    session.refresh(message)
    if rows:
        record(session, Actor.of(viewer), AuditAction.MESSAGE_RESENT, object_type="message", object_ids=[message_id],
               recipient_count=len(rows), students=select(Delivery.student_id).where(
                   Delivery.id.in_([delivery_id for delivery_id, _ in rows])))
    if jobs is not None:
        dispatch_after_commit(session, jobs, dispatch_chunks(
            [(delivery_id, channel, message.id) for delivery_id, channel in rows],
            {message.id: (message.emergency, message.priority)}, jobs.chunk_sizes()))
    return message, [(channel, delivery_id) for delivery_id, channel in rows]


CSV_COLUMNS = ("delivery_id", "recipient_kind", "recipient_id", "student_id", "recipient_name", "channel", "address",
               "language", "status", "reason", "detail", "error_code", "provider_message_id", "attempts",
               "attempt_history", "created_at", "sent_at", "updated_at", "read_at")
#: The rows whose attempts one statement reads, as the export streams (issue 17 point 3).
CSV_BATCH = 2000


def delivery_csv_rows(session: Session, message_id: int, scope: tuple = ()):
    """Every delivery of the message in id order (within ``scope``, see readable_deliveries), one
    tuple per CSV_COLUMNS, streamed in batches of CSV_BATCH, each with its attempts read in one
    statement. The id columns hold the global ids the API shows (domain.support.global_ids),
    ``recipient_id`` of the kind ``recipient_kind`` names. ``reason`` is the DeliveryReason code
    (why not sent, or not yet; empty when it went), ``detail`` the ledger's words;
    ``attempt_history`` lists each provider call, oldest first, as "<started at> <plugin> <outcome>
    <provider id or error code>" joined with " | "."""
    result = session.execute(
        select(Delivery.id, Delivery.recipient_kind, Delivery.recipient_id, Delivery.student_id,
               Delivery.recipient_name, Delivery.channel, Delivery.address, Delivery.language, Delivery.status,
               Delivery.reason, Delivery.error_code, Delivery.provider_id, Delivery.attempts, Delivery.created_at,
               Delivery.sent_at, Delivery.updated_at, Delivery.read_at)
        .where(Delivery.message_id == message_id, *scope).order_by(Delivery.id)
        .execution_options(yield_per=CSV_BATCH))
    for batch in result.partitions():
        history = attempts_by_delivery(session, [row.id for row in batch])
        for row in batch:
            yield (global_id(Kind.DELIVERY, row.id), row.recipient_kind,
                   global_id(RECIPIENT_KINDS[row.recipient_kind], row.recipient_id),
                   optional_global_id(Kind.STUDENT, row.student_id), row.recipient_name, row.channel,
                   shown_address(row.address), row.language, row.status, reason_code(row.status) or "", row.reason, row.error_code,
                   row.provider_id, row.attempts, _history_cell(history.get(row.id, ())), row.created_at,
                   row.sent_at, row.updated_at, row.read_at)


def _history_cell(attempts) -> str:
    return " | ".join(f"{a.started_at.isoformat()} {a.plugin} {a.outcome} {a.provider_message_id or a.code or ''}"
                      .rstrip() for a in attempts)
