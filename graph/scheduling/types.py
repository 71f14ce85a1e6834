"""Scheduled message types (SCH-*): the schedule, the scheduled list's rows, the saved payload."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from domain.scheduling.rules import Recurrence as DomainRecurrence
from domain.scheduling.scheduled_messages import district_zone, rule_of
from graph.enum_values import described_enum
from graph.errors import perform
from graph.messages.sending import refused_or_confirm
from graph.messages.message import Message

Recurrence = described_enum(DomainRecurrence, "Once, or a recurring rule (SCH-02).", {
    DomainRecurrence.NONE: "Once, at startDate and sendTime.",
    DomainRecurrence.DAILY: "Every day at sendTime from startDate, until finalDate when it has one.",
    DomainRecurrence.WEEKLY: "Every week on startDate's weekday, until finalDate when it has one.",
    DomainRecurrence.MONTHLY: ("Every month on startDate's day of the month (the last day in a shorter month), "
                                "until finalDate when it has one."),
    DomainRecurrence.ANNUALLY: "Every year on startDate's day and month, until finalDate when it has one.",
})


@strawberry.enum(description="What a scheduled message is now (SCH-06).")
class ScheduledKind(enum.Enum):
    ONE_TIME_PENDING = strawberry.enum_value("ONE_TIME_PENDING", description="Once, not sent yet (SCH-07: "
                                                                             "schedule.nextSendAt says when).")
    ONE_TIME_SENT = strawberry.enum_value("ONE_TIME_SENT", description="Once, already sent (SCH-07: "
                                                                       "schedule.lastSentAt says when).")
    RECURRING = strawberry.enum_value("RECURRING", description="Recurring, sent or not yet (SCH-08).")
    ERRORED = strawberry.enum_value("ERRORED", description=(
        "Sending failed all its scheduled day; it is not retried until it is edited and saved (SCH-13)."))
    CANCELLED = strawberry.enum_value("CANCELLED", description="Cancelled: nothing more of it is sent.")


@strawberry.type(description="A message's schedule.")
class Schedule:
    start_date: dt.date = strawberry.field(description="The first send date, in the district's time zone.")
    send_time: dt.time = strawberry.field(description="The time of day it is sent, in the district's time zone.")
    recurrence: Recurrence = strawberry.field(description="Once, or how it recurs (SCH-02).")
    final_date: dt.date | None = strawberry.field(description=(
        "The end date, past or future (SCH-08); null: it recurs until cancelled (or it is sent once)."))
    next_send_at: dt.datetime | None = strawberry.field(description="Null when no occurrence remains (SCH-08).")
    last_sent_at: dt.datetime | None = strawberry.field(description="When it was last sent (UTC, SCH-07); null: not sent yet.")
    description: str = strawberry.field(description='E.g. "Weekly on Friday 5:30 AM, next Dec 4, ends Jun 1".')
    last_error: str | None = strawberry.field(description=(
        "Why the last scheduled send failed (SCH-13); null when none failed since it was last sent or saved."))

    @classmethod
    def of(cls, stored, zone) -> Schedule:
        rule = rule_of(stored, zone)
        return cls(start_date=stored.start_date, send_time=stored.send_time,
                   recurrence=DomainRecurrence(stored.recurrence), final_date=stored.final_date,
                   next_send_at=stored.next_send_at, last_sent_at=stored.last_sent_at,
                   description=rule.describe(stored.next_send_at), last_error=stored.last_error)


@strawberry.type(description="A scheduled message in the scheduled list.")
class ScheduledMessage:
    message: Message = strawberry.field(description="The message, with its content and status.")
    kind: ScheduledKind = strawberry.field(description="What it is now (SCH-06).")
    schedule: Schedule = strawberry.field(description="When it is sent.")


@strawberry.type(description="The message is scheduled; a queue run sends it when it is due.")
class ScheduleMessageSuccess:
    message: Message = strawberry.field(description="The scheduled message.")
    schedule: Schedule = strawberry.field(description="Its schedule as saved.")
    recipient_count: int = strawberry.field(description=(
        "The recipients it reaches as of now; recipients are resolved again when each occurrence is sent (RCP-27)."))


def save_schedule(info, store, errors):
    """Run ``store`` (returning the message, its schedule and recipient count); commit and answer
    ScheduleMessageSuccess, or roll back and answer the field errors or the CMP-27 confirmation."""
    session = info.context.session

    def action():
        message, schedule, count = store()
        return message, schedule, count, district_zone(session)

    def done(stored) -> ScheduleMessageSuccess:
        message, schedule, count, zone = stored
        return ScheduleMessageSuccess(message=Message.from_row(message), schedule=Schedule.of(schedule, zone),
                                      recipient_count=count)

    return perform(info, action, refused=refused_or_confirm(errors, "schedule"), done=done)
