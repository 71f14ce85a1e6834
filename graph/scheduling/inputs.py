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
    start_date: dt.date | None = None
    send_time: dt.time | None = None
    recurrence: Recurrence = DomainRecurrence.NONE
    final_date: dt.date | None = None

    def to_request(self) -> ScheduleRequest:
        return ScheduleRequest(self.start_date, self.send_time, DomainRecurrence(self.recurrence.value),
                               self.final_date)
