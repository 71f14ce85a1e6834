"""What a queue run sends of the scheduled messages (SCH-*): each due occurrence, copied from its
template and sent, and the schedule moved on to its next occurrence."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, insert, literal, select
from sqlmodel import Session

from domain.support.errors import AuthorizationError
from domain.messages.send import (
    refuse_outside_recipients,
)
from domain.scheduling.rules import Recurrence
from domain.access.viewer import load_viewer
from domain.support.wall_clock import first_instant_at
from domain.translations.carried import copy_message_translations
from models.directory import AccountStatus, User
from models.messaging import (
    ImportedRecipient,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    MessageStudentGroup,
    MessageUserGroup,
)
from models.attachments import MessageAttachment
from models.scheduling import MessageSchedule

#: Statuses of a scheduled message that a viewer may still edit, reschedule or cancel.
from domain.scheduling.scheduled_messages import district_zone, rule_of


class ScheduledSendFailed(Exception):
    """A scheduled message could not be sent this run; a later run retries (SCH-13)."""


@dataclasses.dataclass(frozen=True)
class DueResult:
    sent: list[int]  # messages to fan out (the one-time message itself, or a new occurrence)
    failed: list[int]
    errored: list[int]


def send_due_scheduled(session: Session, now: dt.datetime) -> DueResult:
    """SCH-04: every scheduled message whose next send time is at or before ``now``, each in its
    own savepoint so one failure does not hold up the rest."""
    zone = district_zone(session)
    due = session.execute(
        select(Message, MessageSchedule).join(MessageSchedule, MessageSchedule.message_id == Message.id)
        .where(Message.status == MessageStatus.SCHEDULED.value, MessageSchedule.next_send_at <= now)
        .order_by(MessageSchedule.next_send_at).with_for_update(skip_locked=True)).all()
    sent, failed, errored = [], [], []
    for message, stored in due:
        try:
            with session.begin_nested():
                sent.append(_send_occurrence(session, message, stored, zone, now))
        except Exception as error:  # noqa: BLE001  (recorded on the schedule; retried next run)
            failed.append(message.id)
            stored.failed_attempts += 1
            stored.last_error = f"{type(error).__name__}: {error}"[:300]
            end_of_day = first_instant_at(stored.next_send_at.astimezone(zone).date() + dt.timedelta(days=1),
                                          dt.time(0, 0), zone)
            if now >= end_of_day:
                message.status, stored.errored_at = MessageStatus.ERRORED, now
                errored.append(message.id)
            session.add_all([message, stored])
    session.flush()
    return DueResult(sent, failed, errored)


def _send_occurrence(session: Session, message: Message, stored: MessageSchedule, zone: ZoneInfo,
                     now: dt.datetime) -> int:
    sender = session.get(User, message.sender_id)
    if sender is None or sender.status != AccountStatus.ACTIVE.value:
        raise ScheduledSendFailed("the sender's account is not active")
    try:  # RCP-22: the sender must still be allowed the message's Cc and imported recipients
        refuse_outside_recipients(session, load_viewer(session, sender.id), message)
    except AuthorizationError as refused:
        raise ScheduledSendFailed(str(refused)) from None
    stored.last_sent_at, stored.failed_attempts, stored.last_error = now, 0, None
    if Recurrence(stored.recurrence) is Recurrence.NONE:
        message.status = MessageStatus.QUEUED
        stored.next_send_at, stored.last_occurrence_id = None, message.id
        session.add_all([message, stored])
        session.flush()
        return message.id
    occurrence = _copy_as_occurrence(session, message)
    # SCH-09: advance by the rule; occurrences missed while nothing ran are not sent in a burst.
    stored.next_send_at = rule_of(stored, zone).first_after(max(stored.next_send_at, now))
    stored.last_occurrence_id = occurrence.id
    if stored.next_send_at is None:
        message.status = MessageStatus.COMPLETED
    session.add_all([message, stored])
    session.flush()
    return occurrence.id


def _copy_as_occurrence(session: Session, template: Message) -> Message:
    fields = {column: getattr(template, column) for column in (
        "sender_id", "subject", "html_body", "text_body", "recipient_type", "channels", "priority", "emergency",
        "send_as_district", "send_as_school_id", "secure", "copy_self", "cc", "cc_first_only",
        "include_signature", "allow_reply", "flagged", "sms_text", "caller_id_id", "call_text", "thread_id",
        "letterhead_id", "add_log_record", "academic_record_category")}
    # A recurring reply stays in its thread (INB-14). RCP-09: family_seed is not copied: each
    # occurrence is a message with its own once-per-family draw, so a weekly message does not reach
    # the same child's family every week.
    occurrence = Message(**fields, status=MessageStatus.QUEUED, scheduled_from_id=template.id)
    session.add(occurrence)
    session.flush()
    new_id = literal(occurrence.id, Integer)
    for table, column in ((MessageStudent, MessageStudent.student_id), (MessageStaff, MessageStaff.user_id),
                          (MessageStudentGroup, MessageStudentGroup.group_id),
                          (MessageUserGroup, MessageUserGroup.group_id)):
        session.execute(insert(table).from_select(
            ["message_id", column.key], select(new_id, column).where(table.message_id == template.id)))
    session.execute(insert(MessageAttachment).from_select(
        ["message_id", "filename", "content_type", "size", "sha256", "data", "created_at"],
        select(new_id, MessageAttachment.filename, MessageAttachment.content_type, MessageAttachment.size,
               MessageAttachment.sha256, MessageAttachment.data, MessageAttachment.created_at)
        .where(MessageAttachment.message_id == template.id)))
    session.execute(insert(ImportedRecipient).from_select(
        ["message_id", "name", "email", "phone", "source_row", "created_at"],
        select(new_id, ImportedRecipient.name, ImportedRecipient.email, ImportedRecipient.phone,
               ImportedRecipient.source_row, ImportedRecipient.created_at)
        .where(ImportedRecipient.message_id == template.id)))
    copy_message_translations(session, template.id, occurrence.id)  # TRN-05: every occurrence carries them
    return occurrence
