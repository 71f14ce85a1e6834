"""The call window (SYS-01): calls, SMS and push go out only between the district's "do not send
before" and "do not send after" times, in the district's time zone; email is never held.

Times are wall-clock times of the district's zone, so the window follows daylight saving time: an
8:00–20:00 window opens at 13:00 UTC in January and at 12:00 UTC in July for New York. A window
whose end is before its start runs across midnight; equal times mean no window at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from domain.support.wall_clock import first_instant_at
from models.directory import District
from models.messaging import Channel

#: Channels the window holds (SYS-01); email goes out at once.
TIMED_CHANNELS = frozenset({Channel.SMS, Channel.VOICE, Channel.PUSH})


@dataclasses.dataclass(frozen=True)
class CallWindow:
    time_zone: ZoneInfo
    start: dt.time
    end: dt.time

    @classmethod
    def of(cls, district: District) -> CallWindow:
        return cls(ZoneInfo(district.time_zone), district.call_window_start, district.call_window_end)

    def is_open(self, at: dt.datetime) -> bool:
        if self.start == self.end:
            return True
        local = at.astimezone(self.time_zone).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """The first instant at or after ``at`` when the window is open, in UTC."""
        if self.is_open(at):
            return at.astimezone(dt.UTC)
        local_day = at.astimezone(self.time_zone).date()
        for day in (local_day, local_day + dt.timedelta(days=1)):
            opening = self._opening_on(day)
            if opening >= at:
                return opening
        raise AssertionError("a window opens every day")  # pragma: no cover

    def deferral(self, at: dt.datetime, *, emergency: bool) -> dt.datetime | None:
        """When held channels may go out, or None when they may go now (open window or an
        emergency, SMS-03/VOI-10)."""
        if emergency or self.is_open(at):
            return None
        return self.next_opening(at)

    def _opening_on(self, day: dt.date) -> dt.datetime:
        """The window's start on a local day, in UTC (a start inside a spring-forward gap opens at
        the jump)."""
        return first_instant_at(day, self.start, self.time_zone)

    def describe(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M} {self.time_zone.key}"


@dataclasses.dataclass(frozen=True)
class Deferral:
    """SYS-02: which of a message's channels wait for the call window, and until when."""

    channels: tuple[Channel, ...]
    opens_at: dt.datetime
    window: CallWindow

    def warning(self) -> str:
        names = ", ".join(channel.value for channel in self.channels)
        local = self.opens_at.astimezone(self.window.time_zone)
        return (f"Outside the call window ({self.window.describe()}): {names} will go out when it opens at "
                f"{local:%Y-%m-%d %H:%M %Z}; email goes out now.")


def deferral_for(district: District, channels, *, emergency: bool, at: dt.datetime) -> Deferral | None:
    """The deferral of a message sent at ``at``, or None when everything may go now."""
    held = tuple(Channel(channel) for channel in channels if Channel(channel) in TIMED_CHANNELS)
    if not held:
        return None
    window = CallWindow.of(district)
    opens_at = window.deferral(at, emergency=emergency)
    return Deferral(held, opens_at, window) if opens_at is not None else None


def message_deferral(session, message, at: dt.datetime | None = None) -> Deferral | None:
    """SYS-02: the warning for a message about to be sent (or planned) at ``at``, default now."""
    from sqlalchemy import select

    from models.db import utcnow

    district = session.execute(select(District).limit(1)).scalars().one()
    return deferral_for(district, message.channels, emergency=bool(message.emergency), at=at or utcnow())

