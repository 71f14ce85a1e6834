"""Scheduled messages (SCH-*): schedule, edit, reschedule, cancel, list (what a queue run sends of
them is in domain.scheduling.due_sends).

A scheduled message is stored like any message, with status SCHEDULED and a MessageSchedule. A
queue run sends every scheduled message whose next send time has come (SCH-04): a one-time
message is itself fanned out; a recurring one is copied, selection and imported recipients
included, into an occurrence that is fanned out, and its next send time advances by the rule
(SCH-09). Recipients are resolved when each occurrence is fanned out (RCP-27). If sending fails,
later runs retry until the end of the scheduled day, then the message is ERRORED until it is
edited and saved (SCH-13).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, or_, select
from sqlmodel import Session

from domain.support.keyset import KeysetList

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.support.errors import FieldProblem, InvalidInput
from domain.messages.send import (
    MessageNotFound,
    SendMessageRequest,
    create_message,
    refuse_outside_recipients,
    replace_selection,
    validate_send_request,
)
from domain.scheduling.rules import Recurrence, ScheduleRule, validate_new_schedule
from domain.access.viewer import Viewer
from domain.directory.school_years import school_year_to_send_in
from domain.support.wall_clock import first_instant_at
from models.db import utcnow
from models.directory import District
from models.messaging import Message, MessageStatus, MessageStudent
from models.scheduling import MessageSchedule

#: Statuses of a scheduled message that a viewer may still edit, reschedule or cancel.
EDITABLE = (MessageStatus.SCHEDULED.value, MessageStatus.ERRORED.value)


@dataclasses.dataclass(frozen=True)
class ScheduleRequest:
    start_date: dt.date | None
    send_time: dt.time | None
    recurrence: Recurrence = Recurrence.NONE
    final_date: dt.date | None = None


def district_zone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.execute(select(District.time_zone).limit(1)).scalar_one())


def rule_of(schedule: MessageSchedule, zone: ZoneInfo) -> ScheduleRule:
    return ScheduleRule(schedule.start_date, schedule.send_time, Recurrence(schedule.recurrence),
                        schedule.final_date, zone)


def _check(session: Session, request: ScheduleRequest, now: dt.datetime) -> ZoneInfo:
    zone = district_zone(session)
    problems = validate_new_schedule(request.start_date, request.send_time, request.recurrence,
                                     request.final_date, zone, now)
    if problems:
        raise InvalidInput(problems)
    return zone


def schedule_message(session: Session, viewer: Viewer, request: SendMessageRequest, schedule: ScheduleRequest,
                     now: dt.datetime | None = None) -> tuple[Message, MessageSchedule, int]:
    """SCH-01/SCH-03: store a new message to send later, after the CMP-27 confirmation; refused
    while the sender's session works in a prior school year (SYS-08)."""
    from domain.messages.send import confirmed_count

    now = now or utcnow()
    school_year_id = school_year_to_send_in(session, viewer)
    problems = validate_send_request(session, viewer, request)
    try:
        zone = _check(session, schedule, now)
    except InvalidInput as invalid:
        problems += invalid.problems
    if problems:
        raise InvalidInput(problems)
    message = create_message(session, viewer, request, school_year_id=school_year_id)
    count = confirmed_count(session, viewer, message, request.confirmed_recipient_count)
    message.status = MessageStatus.SCHEDULED
    stored = _store_schedule(session, message.id, schedule, zone)
    session.flush()
    audit_schedule(session, Actor.of(viewer), AuditAction.MESSAGE_SCHEDULED, message.id, count)
    return message, stored, count


def schedule_draft(session: Session, viewer: Viewer, message_id: int, schedule: ScheduleRequest,
                   confirmed_recipient_count: int | None, now: dt.datetime | None = None):
    """SCH-03: schedule a saved draft, after the CMP-27 confirmation; refused while the sender's
    session works in a prior school year (SYS-08)."""
    from domain.messages.send import confirmed_count, locked_draft

    now = now or utcnow()
    school_year_id = school_year_to_send_in(session, viewer)
    zone = _check(session, schedule, now)
    message = locked_draft(session, viewer, message_id)
    refuse_outside_recipients(session, viewer, message)
    count = confirmed_count(session, viewer, message, confirmed_recipient_count)
    message.status, message.school_year_id = MessageStatus.SCHEDULED, school_year_id
    stored = _store_schedule(session, message.id, schedule, zone)
    session.flush()
    audit_schedule(session, Actor.of(viewer), AuditAction.MESSAGE_SCHEDULED, message.id, count)
    return message, stored, count


def schedule_stored_message(session: Session, message: Message, schedule: ScheduleRequest,
                            now: dt.datetime | None = None, *, actor: Actor | None = None) -> MessageSchedule:
    """SCH-01/SCH-03: schedule a message another area stored (a reply from a thread, INB-14), after
    the same schedule checks as any other; audited as ``actor``'s (default: its sender's)."""
    zone = _check(session, schedule, now or utcnow())
    message.status = MessageStatus.SCHEDULED
    stored = _store_schedule(session, message.id, schedule, zone)
    session.flush()
    audit_schedule(session, actor or Actor(user_id=message.sender_id), AuditAction.MESSAGE_SCHEDULED, message.id)
    return stored


def audit_schedule(session: Session, actor: Actor, action: AuditAction, message_id: int,
                   recipient_count: int | None = None) -> None:
    """Issue 16 point 8: a schedule made, changed or cancelled, with the students it selects by
    name (its groups' members are resolved, and audited, when it goes out)."""
    record(session, actor, action, object_type="message", object_ids=[message_id], recipient_count=recipient_count,
           students=select(MessageStudent.student_id).where(MessageStudent.message_id == message_id))


def _store_schedule(session: Session, message_id: int, schedule: ScheduleRequest, zone: ZoneInfo) -> MessageSchedule:
    rule = ScheduleRule(schedule.start_date, schedule.send_time, schedule.recurrence, schedule.final_date, zone)
    stored = MessageSchedule(message_id=message_id, start_date=schedule.start_date, send_time=schedule.send_time,
                             recurrence=schedule.recurrence.value, final_date=schedule.final_date,
                             next_send_at=rule.occurrence_at(0))
    session.add(stored)
    return stored


def editable_schedule(session: Session, viewer: Viewer, message_id: int) -> tuple[Message, MessageSchedule]:
    row = session.execute(
        select(Message, MessageSchedule).join(MessageSchedule, MessageSchedule.message_id == Message.id)
        .where(Message.id == message_id, Message.sender_id == viewer.id, Message.status.in_(EDITABLE))
        .with_for_update()).first()
    if row is None:
        raise MessageNotFound(message_id)
    return row[0], row[1]


def update_scheduled_message(session: Session, viewer: Viewer, message_id: int, request: SendMessageRequest,
                             schedule: ScheduleRequest | None, now: dt.datetime | None = None):
    """SCH-14: edit like a new message, then save keeping the date and time (``schedule`` None)
    or with schedule changes (SCH-10, SCH-12). Saving makes an ERRORED message eligible again
    (SCH-13); a kept next send time already past goes on the next queue run (SCH-11)."""
    now = now or utcnow()
    message, stored = editable_schedule(session, viewer, message_id)
    problems = validate_send_request(session, viewer, request)
    zone = district_zone(session)
    if schedule is not None:
        problems += _schedule_edit_problems(stored, schedule, zone, now)
    if problems:
        raise InvalidInput(problems)
    from domain.messages.send import confirmed_count

    replace_selection(session, viewer, message, request)
    refuse_outside_recipients(session, viewer, message)  # its imported recipients stay
    count = confirmed_count(session, viewer, message, request.confirmed_recipient_count)
    if schedule is not None:
        _apply_schedule_edit(stored, schedule, zone, now)
    message.status = MessageStatus.SCHEDULED
    stored.failed_attempts, stored.last_error, stored.errored_at = 0, None, None
    session.add_all([message, stored])
    session.flush()
    audit_schedule(session, Actor.of(viewer), AuditAction.SCHEDULE_UPDATED, message.id, count)
    return message, stored, count


def _schedule_edit_problems(stored: MessageSchedule, schedule: ScheduleRequest, zone: ZoneInfo,
                            now: dt.datetime) -> list[FieldProblem]:
    problems = []
    if schedule.start_date is None or schedule.send_time is None:
        return validate_new_schedule(schedule.start_date, schedule.send_time, schedule.recurrence,
                                     schedule.final_date, zone, now)
    moved = (schedule.start_date, schedule.send_time) != (stored.start_date, stored.send_time)
    if moved:  # a new date or time is a new schedule: SCH-01 applies
        problems += [p for p in validate_new_schedule(schedule.start_date, schedule.send_time, schedule.recurrence,
                                                      schedule.final_date, zone, now)]
    elif schedule.final_date is not None:
        problems += [p for p in validate_new_schedule(None, None, schedule.recurrence, schedule.final_date, zone,
                                                      now) if p.path[-1] == "finalDate"]
        if schedule.final_date < schedule.start_date:
            problems.append(FieldProblem(("schedule", "finalDate"), "BEFORE_START",
                                         "The final date must not be before the start date."))
    return problems


def _apply_schedule_edit(stored: MessageSchedule, schedule: ScheduleRequest, zone: ZoneInfo, now: dt.datetime) -> None:
    """SCH-10: the next send time is recomputed only when the start date moves to a future date,
    the rule changes, or the send date or time is pushed later; otherwise the stored one stays."""
    old = rule_of(stored, zone)
    new = ScheduleRule(schedule.start_date, schedule.send_time, schedule.recurrence, schedule.final_date, zone)
    old_first = old.occurrence_at(0)
    new_first = new.occurrence_at(0)
    start_moved_to_future = schedule.start_date != stored.start_date and new_first is not None and new_first > now
    rule_changed = schedule.recurrence.value != stored.recurrence
    pushed_later = new_first is not None and old_first is not None and new_first > old_first
    stored.start_date, stored.send_time = schedule.start_date, schedule.send_time
    stored.recurrence, stored.final_date = schedule.recurrence.value, schedule.final_date
    if start_moved_to_future or rule_changed or pushed_later:
        # The first occurrence of the new rule in the future, on a day after the last one sent.
        floor = now
        if stored.last_sent_at is not None:
            next_day = stored.last_sent_at.astimezone(zone).date() + dt.timedelta(days=1)
            floor = max(now, first_instant_at(next_day, dt.time(0, 0), zone))
        stored.next_send_at = new.first_at_or_after(floor)
    elif stored.next_send_at is not None and schedule.final_date is not None:
        # The kept next time still may not pass the (new) final date (SCH-09).
        if stored.next_send_at.astimezone(zone).date() > schedule.final_date:
            stored.next_send_at = None


def cancel_scheduled_message(session: Session, viewer: Viewer, message_id: int) -> Message:
    """Nothing of a cancelled scheduled message is ever sent; its earlier occurrences stay."""
    message, stored = editable_schedule(session, viewer, message_id)
    message.status = MessageStatus.CANCELLED
    stored.next_send_at = None
    session.add_all([message, stored])
    session.flush()
    audit_schedule(session, Actor.of(viewer), AuditAction.SCHEDULE_CANCELLED, message.id)
    return message


# --- listing (SCH-06, SCH-07, SCH-08) -----------------------------------------------------------------

KINDS = ("ONE_TIME_PENDING", "ONE_TIME_SENT", "RECURRING", "ERRORED", "CANCELLED")


def kind_of(message: Message, stored: MessageSchedule) -> str:
    if message.status == MessageStatus.ERRORED.value:
        return "ERRORED"
    if message.status == MessageStatus.CANCELLED.value:
        return "CANCELLED"
    if stored.recurrence != Recurrence.NONE.value:
        return "RECURRING"
    return "ONE_TIME_PENDING" if message.status == MessageStatus.SCHEDULED.value else "ONE_TIME_SENT"


def scheduled_list(session: Session, viewer: Viewer, *, search: str | None) -> KeysetList:
    """The viewer's scheduled messages, newest first, as (message, schedule) rows; ``search``
    matches the subject or the scheduled date as written (2026-12-04, Dec 4, December)."""
    where = [Message.sender_id == viewer.id]
    if search and search.strip():
        needle = f"%{search.strip().lower()}%"
        date_text = cast(MessageSchedule.start_date, String)
        where.append(or_(Message.subject.ilike(needle), date_text.like(needle),
                         Message.id.in_(_ids_with_written_date(session, viewer, search.strip().lower()))))
    base = (select(Message, MessageSchedule).join(MessageSchedule, MessageSchedule.message_id == Message.id)
            .where(*where))
    return KeysetList(base, Message.id, newest_first=True, key_of=lambda row: row[0].id)


def _ids_with_written_date(session: Session, viewer: Viewer, needle: str) -> list[int]:
    """Scheduled messages whose date written out ("Dec 4", "December 4, 2026") contains the text."""
    rows = session.execute(select(MessageSchedule.message_id, MessageSchedule.start_date)
                           .join(Message, Message.id == MessageSchedule.message_id)
                           .where(Message.sender_id == viewer.id)).all()
    return [message_id for message_id, day in rows
            if needle in f"{day:%b} {day.day}, {day.year} {day:%B} {day.day}".lower()]
