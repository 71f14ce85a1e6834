"""Wall-clock times of a district's time zone as instants, correct across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The naive local wall-clock reading of an instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def first_instant_at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The first instant (UTC) at which the wall clock of ``zone`` reads ``time`` on ``day``, or
    has just passed it: a time inside a spring-forward gap (2:30 on the night clocks jump from 2:00
    to 3:00) maps to the jump, and a time of the repeated autumn hour to its first occurrence."""
    target = dt.datetime.combine(day, time)
    readings = sorted(target.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC) for fold in (0, 1))
    for reading in readings:
        if wall(reading, zone) == target:
            return reading
    # Inside a gap: bisect the whole seconds between the two readings for the jump.
    low, high = (int(reading.timestamp()) for reading in readings)
    while high - low > 1:
        middle = (low + high) // 2
        if wall(dt.datetime.fromtimestamp(middle, dt.UTC), zone) >= target:
            high = middle
        else:
            low = middle
    return dt.datetime.fromtimestamp(high, dt.UTC)
