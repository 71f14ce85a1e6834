"""The schedule input of scheduleMessage, scheduleDraft and updateScheduledMessage (SCH-01, SCH-02)."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.scheduling.rules import Recurrence as DomainRecurrence
from domain.scheduling.scheduled_messages import ScheduleRequest
from graph.scheduling.types import Recurrence


@strawberry.input(description="When to send: a date and a time in the district's time zone (both required, "
                               "in the future, SCH-01), and an optional recurrence with a final date (SCH-02).")
class ScheduleInput:
    start_date: dt.date | None = strawberry.field(default=None, description=(
        "The (first) send date in the district's time zone, e.g. 2026-12-04. Required (REQUIRED when null)."))
    send_time: dt.time | None = strawberry.field(default=None, description=(
        "The time of day in the district's time zone, e.g. 17:30:00. Required (REQUIRED when null); the date and "
        "time must lie in the future (IN_THE_PAST)."))
    recurrence: Recurrence = strawberry.field(default=DomainRecurrence.NONE, description="Once (NONE) or a rule.")
    final_date: dt.date | None = strawberry.field(default=None, description=(
        "The last date a recurring message may be sent, not before startDate (BEFORE_START). Null: it recurs "
        "until cancelled."))

    def to_request(self) -> ScheduleRequest:
        return ScheduleRequest(self.start_date, self.send_time, DomainRecurrence(self.recurrence.value),
                               self.final_date)
