"""Schedule rules (SCH-01, SCH-02, SCH-08, SCH-09): when a scheduled message is due, and how to say it.

Send times are wall-clock times of the district's time zone. A monthly rule keeps the start's
day of the month, on the month's last day when the month is shorter (31 January → 28 February →
31 March); an annual rule started on 29 February falls on 28 February in other years.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import enum
from zoneinfo import ZoneInfo

from domain.support.errors import FieldProblem
from domain.support.wall_clock import first_instant_at


class Recurrence(str, enum.Enum):
    NONE = "NONE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    ANNUALLY = "ANNUALLY"


@dataclasses.dataclass(frozen=True)
class ScheduleRule:
    start_date: dt.date
    send_time: dt.time
    recurrence: Recurrence
    final_date: dt.date | None
    zone: ZoneInfo

    def occurrence_date(self, n: int) -> dt.date:
        """The date of the n-th occurrence (0 is the start)."""
        start = self.start_date
        if self.recurrence is Recurrence.DAILY:
            return start + dt.timedelta(days=n)
        if self.recurrence is Recurrence.WEEKLY:
            return start + dt.timedelta(weeks=n)
        if self.recurrence is Recurrence.MONTHLY:
            month_index = start.month - 1 + n
            year, month = start.year + month_index // 12, month_index % 12 + 1
            return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        if self.recurrence is Recurrence.ANNUALLY:
            year = start.year + n
            return dt.date(year, start.month, min(start.day, calendar.monthrange(year, start.month)[1]))
        return start

    def occurrence_at(self, n: int) -> dt.datetime | None:
        """The instant of the n-th occurrence, or None past the last one."""
        if self.recurrence is Recurrence.NONE and n > 0:
            return None
        day = self.occurrence_date(n)
        if self.final_date is not None and day > self.final_date:
            return None
        return first_instant_at(day, self.send_time, self.zone)

    def first_at_or_after(self, instant: dt.datetime) -> dt.datetime | None:
        """The first occurrence at or after ``instant`` (None when none remains)."""
        n = self._index_near(instant)
        while True:
            at = self.occurrence_at(n)
            if at is None or at >= instant:
                return at
            n += 1

    def first_after(self, instant: dt.datetime) -> dt.datetime | None:
        return self.first_at_or_after(instant + dt.timedelta(microseconds=1))

    def _index_near(self, instant: dt.datetime) -> int:
        """An occurrence index at or before ``instant``'s, so a long history is not walked."""
        days = (instant.astimezone(self.zone).date() - self.start_date).days - 1
        if days <= 0 or self.recurrence is Recurrence.NONE:
            return 0
        per = {Recurrence.DAILY: 1, Recurrence.WEEKLY: 7, Recurrence.MONTHLY: 31, Recurrence.ANNUALLY: 366}
        return max(days // per[self.recurrence] - 1, 0)

    def describe(self, next_at: dt.datetime | None) -> str:
        """SCH-08: e.g. "Weekly on Friday 5:30 AM, next Dec 4, ends Jun 1"."""
        clock = _clock(self.send_time)
        start = self.start_date
        text = {
            Recurrence.NONE: f"Once on {start:%a %b} {start.day}, {start.year} at {clock}",
            Recurrence.DAILY: f"Daily at {clock}",
            Recurrence.WEEKLY: f"Weekly on {start:%A} {clock}",
            Recurrence.MONTHLY: f"Monthly on day {start.day} at {clock}",
            Recurrence.ANNUALLY: f"Annually on {start:%b} {start.day} at {clock}",
        }[self.recurrence]
        if self.recurrence is not Recurrence.NONE:
            if next_at is not None:
                local = next_at.astimezone(self.zone)
                text += f", next {local:%b} {local.day}"
            else:
                text += ", no more occurrences"
            if self.final_date is not None:
                text += f", ends {self.final_date:%b} {self.final_date.day}"
        return text


def _clock(time: dt.time) -> str:
    hour = time.hour % 12 or 12
    return f"{hour}:{time.minute:02d} {'AM' if time.hour < 12 else 'PM'}"


def validate_new_schedule(start_date: dt.date | None, send_time: dt.time | None, recurrence: Recurrence,
                          final_date: dt.date | None, zone: ZoneInfo, now: dt.datetime,
                          prefix: tuple = ("schedule",)) -> list[FieldProblem]:
    """SCH-01 and SCH-02 for a new schedule or a reschedule: date and time both required, the
    first send in the future, a final date only on a recurring rule and not before the start."""
    problems = []
    if start_date is None:
        problems.append(FieldProblem((*prefix, "startDate"), "REQUIRED", "Choose the date to send on."))
    if send_time is None:
        problems.append(FieldProblem((*prefix, "sendTime"), "REQUIRED", "Choose the time to send at."))
    if start_date is not None and send_time is not None and first_instant_at(start_date, send_time, zone) <= now:
        problems.append(FieldProblem((*prefix, "startDate"), "IN_THE_PAST",
                                     "The send date and time must be in the future."))
    if final_date is not None:
        if recurrence is Recurrence.NONE:
            problems.append(FieldProblem((*prefix, "finalDate"), "INVALID", "Only a recurring schedule has a final date."))
        elif start_date is not None and final_date < start_date:
            problems.append(FieldProblem((*prefix, "finalDate"), "BEFORE_START",
                                         "The final date must not be before the start date."))
    return problems
