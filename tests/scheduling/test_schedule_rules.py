"""Schedule rules: occurrences, final dates, DST, descriptions, validation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from domain.scheduling.rules import Recurrence, ScheduleRule, validate_new_schedule

NEW_YORK = ZoneInfo("America/New_York")


def rule(start, recurrence, time=dt.time(5, 30), final=None):
    return ScheduleRule(start, time, recurrence, final, NEW_YORK)


def dates(r, count):
    return [r.occurrence_date(n) for n in range(count)]


def test_sch_02_sch_09_occurrences_advance_by_the_rule_and_stop_at_the_final_date():
    """Covers SCH-02, SCH-09: daily, weekly, monthly (kept day, clamped to short months) and
    annual (29 February → 28 February) rules; nothing after the final date; once is once."""
    assert dates(rule(dt.date(2026, 12, 30), Recurrence.DAILY), 3) == [
        dt.date(2026, 12, 30), dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
    assert dates(rule(dt.date(2026, 12, 4), Recurrence.WEEKLY), 2) == [dt.date(2026, 12, 4), dt.date(2026, 12, 11)]
    assert dates(rule(dt.date(2027, 1, 31), Recurrence.MONTHLY), 4) == [
        dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]
    assert dates(rule(dt.date(2028, 2, 29), Recurrence.ANNUALLY), 2) == [dt.date(2028, 2, 29), dt.date(2029, 2, 28)]
    weekly = rule(dt.date(2026, 12, 4), Recurrence.WEEKLY, final=dt.date(2026, 12, 18))
    first = weekly.occurrence_at(0)
    assert weekly.first_after(first) == weekly.occurrence_at(1)
    assert weekly.first_after(weekly.occurrence_at(2)) is None  # 25 Dec is past the final date
    once = rule(dt.date(2026, 12, 4), Recurrence.NONE)
    assert once.first_after(once.occurrence_at(0)) is None


def test_send_times_are_wall_clock_times_across_dst():
    """5:30 AM New York is 10:30 UTC in winter and 9:30 UTC in summer, week after week."""
    weekly = rule(dt.date(2026, 10, 23), Recurrence.WEEKLY)
    assert weekly.occurrence_at(0) == dt.datetime(2026, 10, 23, 9, 30, tzinfo=dt.UTC)
    assert weekly.occurrence_at(2) == dt.datetime(2026, 11, 6, 10, 30, tzinfo=dt.UTC)  # after 1 Nov
    # A long-running daily rule finds its next occurrence without walking the whole history.
    daily = rule(dt.date(2020, 1, 1), Recurrence.DAILY)
    assert daily.first_at_or_after(dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)) == dt.datetime(
        2026, 12, 5, 10, 30, tzinfo=dt.UTC)


def test_sch_08_descriptions():
    """Covers SCH-08: a human-readable rule with the next send date (or none left) and the end."""
    weekly = rule(dt.date(2026, 11, 27), Recurrence.WEEKLY, final=dt.date(2027, 6, 1))
    next_at = weekly.first_after(dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    assert weekly.describe(next_at) == "Weekly on Friday 5:30 AM, next Dec 4, ends Jun 1"
    assert weekly.describe(None) == "Weekly on Friday 5:30 AM, no more occurrences, ends Jun 1"
    assert rule(dt.date(2026, 12, 4), Recurrence.NONE, time=dt.time(17, 0)).describe(None) == \
        "Once on Fri Dec 4, 2026 at 5:00 PM"
    assert rule(dt.date(2026, 12, 4), Recurrence.MONTHLY, time=dt.time(0, 15)).describe(None).startswith(
        "Monthly on day 4 at 12:15 AM")


def test_sch_01_date_and_time_are_required_and_must_be_in_the_future():
    """Covers SCH-01, SCH-02: missing time, missing date, a past date-time and a final date
    before the start are each a field error."""
    now = dt.datetime(2026, 11, 29, 20, 0, tzinfo=dt.UTC)
    tomorrow = dt.date(2026, 11, 30)

    def codes(*args):
        return {(".".join(p.path), p.code) for p in validate_new_schedule(*args, NEW_YORK, now)}

    assert codes(tomorrow, None, Recurrence.NONE, None) == {("schedule.sendTime", "REQUIRED")}
    assert codes(None, dt.time(9, 0), Recurrence.NONE, None) == {("schedule.startDate", "REQUIRED")}
    assert codes(dt.date(2026, 11, 29), dt.time(14, 0), Recurrence.NONE, None) == {("schedule.startDate", "IN_THE_PAST")}
    assert codes(dt.date(2026, 11, 29), dt.time(16, 0), Recurrence.NONE, None) == set()  # 16:00 EST is 21:00 UTC
    assert codes(tomorrow, dt.time(9, 0), Recurrence.DAILY, dt.date(2026, 11, 1)) == {("schedule.finalDate", "BEFORE_START")}
    assert codes(tomorrow, dt.time(9, 0), Recurrence.NONE, dt.date(2026, 12, 1)) == {("schedule.finalDate", "INVALID")}
