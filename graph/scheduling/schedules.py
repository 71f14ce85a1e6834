"""Scheduled messages (SCH-*): scheduleMessage, scheduleDraft, updateScheduledMessage,
cancelScheduledMessage and the scheduledMessages list."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from domain.support.errors import FieldProblem, InvalidInput
from domain.messages.send import MessageNotFound
from domain.access.permissions import Perm
from domain.scheduling.rules import Recurrence as DomainRecurrence
from domain.scheduling.scheduled_messages import (
    ScheduleRequest,
    cancel_scheduled_message,
    district_zone,
    kind_of,
    rule_of,
    schedule_draft,
    schedule_message,
    scheduled_page,
    update_scheduled_message,
)
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, SendMessageInput, to_request
from graph.messages.mutations.send_message import SendMessageConfirmationRequired, attempt
from graph.messages.types import Message
from graph.pagination import Connection, connection, decode_cursor, page_size, parse_id, search_term
from graph.permissions import authorize_input, requires

Recurrence = strawberry.enum(DomainRecurrence, description="Once, or a recurring rule (SCH-02).")


@strawberry.enum(description="What a scheduled message is now (SCH-06).")
class ScheduledKind(enum.Enum):
    ONE_TIME_PENDING = "ONE_TIME_PENDING"
    ONE_TIME_SENT = "ONE_TIME_SENT"
    RECURRING = "RECURRING"
    ERRORED = "ERRORED"
    CANCELLED = "CANCELLED"


@strawberry.input(description="When to send: a date and a time in the district's time zone (both required, "
                               "in the future, SCH-01), and an optional recurrence with a final date (SCH-02).")
class ScheduleInput:
    start_date: dt.date | None = None
    send_time: dt.time | None = None
    recurrence: Recurrence = DomainRecurrence.NONE
    final_date: dt.date | None = None

    def to_request(self) -> ScheduleRequest:
        return ScheduleRequest(self.start_date, self.send_time, DomainRecurrence(self.recurrence.value),
                               self.final_date)


@strawberry.type(description="A message's schedule.")
class Schedule:
    start_date: dt.date
    send_time: dt.time
    recurrence: Recurrence
    final_date: dt.date | None = strawberry.field(description="The end date, past or future (SCH-08).")
    next_send_at: dt.datetime | None = strawberry.field(description="Null when no occurrence remains (SCH-08).")
    last_sent_at: dt.datetime | None = strawberry.field(description="When it was last sent (SCH-07).")
    description: str = strawberry.field(description='E.g. "Weekly on Friday 5:30 AM, next Dec 4, ends Jun 1".')
    last_error: str | None = strawberry.field(description="Why the last scheduled send failed (SCH-13).")

    @classmethod
    def of(cls, stored, zone) -> Schedule:
        rule = rule_of(stored, zone)
        return cls(start_date=stored.start_date, send_time=stored.send_time,
                   recurrence=DomainRecurrence(stored.recurrence), final_date=stored.final_date,
                   next_send_at=stored.next_send_at, last_sent_at=stored.last_sent_at,
                   description=rule.describe(stored.next_send_at), last_error=stored.last_error)


@strawberry.type(description="A scheduled message in the scheduled list.")
class ScheduledMessage:
    message: Message
    kind: ScheduledKind
    schedule: Schedule


@strawberry.type(description="The message is scheduled; a queue run sends it when it is due.")
class ScheduleMessageSuccess:
    message: Message
    schedule: Schedule
    recipient_count: int


ScheduleMessageResult = Annotated[
    ScheduleMessageSuccess | SendMessageErrors | SendMessageConfirmationRequired,
    strawberry.union("ScheduleMessageResult"),
]


def _scheduled(info: Info, store) -> ScheduleMessageResult:
    session = info.context.session
    stored, refusal = attempt(session, store, "schedule")
    if refusal is not None:
        return refusal
    message, schedule, count = stored
    zone = district_zone(session)
    session.commit()
    return ScheduleMessageSuccess(message=Message.from_row(message), schedule=Schedule.of(schedule, zone),
                                  recipient_count=count)


def _not_found(message_id) -> InvalidInput:
    return InvalidInput([FieldProblem(("id",), "NOT_FOUND", f"No scheduled message of yours has id {message_id}.")])


@strawberry.type
class ScheduleMutations:
    @strawberry.mutation(**requires("Schedule a new message, asking to confirm the recipient count as sendMessage does "
                                    "(SCH-01, SCH-02, CMP-27).",
                                    Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def schedule_message(self, info: Info, input: SendMessageInput, schedule: ScheduleInput) -> ScheduleMessageResult:
        viewer = info.context.viewer
        authorize_input(viewer, input)
        return _scheduled(info, lambda: schedule_message(info.context.session, viewer, to_request(input),
                                                         schedule.to_request()))

    @strawberry.mutation(**requires("Schedule one of your drafts (SCH-03).", Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def schedule_draft(self, info: Info, id: strawberry.ID, schedule: ScheduleInput,
                       confirmed_recipient_count: int | None = None) -> ScheduleMessageResult:
        viewer, session = info.context.viewer, info.context.session

        def store():
            try:
                return schedule_draft(session, viewer, parse_id(id), schedule.to_request(), confirmed_recipient_count)
            except MessageNotFound:
                raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", "No draft of yours has that id.")]) from None

        return _scheduled(info, store)

    @strawberry.mutation(**requires(
        "Edit a scheduled (or errored) message like a new one and save it, keeping its date and time "
        "(schedule null) or changing its schedule. Saving makes an errored message eligible again "
        "(SCH-14, SCH-10, SCH-12).",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def update_scheduled_message(self, info: Info, id: strawberry.ID, input: SendMessageInput,
                                 schedule: ScheduleInput | None = None) -> ScheduleMessageResult:
        viewer, session = info.context.viewer, info.context.session
        authorize_input(viewer, input)

        def store():
            try:
                return update_scheduled_message(session, viewer, parse_id(id), to_request(input),
                                                schedule.to_request() if schedule else None)
            except MessageNotFound:
                raise _not_found(id) from None

        return _scheduled(info, store)

    @strawberry.mutation(**requires("Cancel a scheduled message: nothing of it is sent any more.",
                                    Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def cancel_scheduled_message(self, info: Info, id: strawberry.ID) -> Message | None:
        session = info.context.session
        try:
            message = cancel_scheduled_message(session, info.context.viewer, parse_id(id))
        except MessageNotFound:
            session.rollback()
            return None
        session.commit()
        return Message.from_row(message)


@strawberry.type
class ScheduleQueries:
    @strawberry.field(**requires(
        "Your scheduled messages, newest first, with their kind, schedule and description; search "
        "matches the subject or the scheduled date (2026-12-04, Dec 4, December) (SCH-06).", Perm.COMMUNICATION))
    def scheduled_messages(self, info: Info, search: str | None = None, first: int = 50,
                           after: str | None = None) -> Connection[ScheduledMessage]:
        first = page_size(first)
        session = info.context.session
        total, rows = scheduled_page(session, info.context.viewer, search=search_term(search),
                                     before_id=decode_cursor("scheduled", after), limit=first + 1)
        zone = district_zone(session)
        return connection("scheduled", rows, [message.id for message, _ in rows], first, total, lambda row: (
            ScheduledMessage(message=Message.from_row(row[0]), kind=ScheduledKind(kind_of(*row)),
                             schedule=Schedule.of(row[1], zone))))
