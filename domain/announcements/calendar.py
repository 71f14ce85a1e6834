"""When an announcement is active and in which order announcements are listed, in one place for
the portal feed, the public feed, the management lists and the queue's activation.

- **Active** (ANN-02): from its start date through its end date (inclusive; no end date: no
  expiry), in the district's time zone, and not deleted (ANN-21).
- **Order** (ANN-09): those with a sort order first, ascending; then those without; ties and
  unsorted ones by start date, newest first (then newest id, so a page is stable).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy.sql import ColumnElement

from models.announcements import Announcement
from models.directory import District


def district_today(district: District, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the district's time zone: the default start date (ANN-02), and the day
    activity and activation are judged on."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(district.time_zone)).date()


def active_on(today: dt.date) -> ColumnElement[bool]:
    """The SQL condition of an announcement shown on ``today`` (ANN-02, ANN-21)."""
    return and_(Announcement.deleted_at.is_(None), Announcement.start_date <= today,
                or_(Announcement.end_date.is_(None), Announcement.end_date >= today))


def is_active_on(announcement: Announcement, today: dt.date) -> bool:
    """The same rule in Python, for one row already loaded."""
    return (announcement.deleted_at is None and announcement.start_date <= today
            and (announcement.end_date is None or announcement.end_date >= today))


def listing_order() -> tuple[ColumnElement, ...]:
    """ORDER BY clauses of ANN-09 (the same on SQLite and PostgreSQL)."""
    return (Announcement.sort_order.is_(None), Announcement.sort_order.asc(),
            Announcement.start_date.desc(), Announcement.id.desc())
