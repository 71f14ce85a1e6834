"""The portal subtitle of an announcement (ANN-15): "District Announcement" with no school selected,
the school's name with exactly one, and empty with several. One query for any number of them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlmodel import Session

from models.announcements import AnnouncementSchool
from models.directory import School

DISTRICT_SUBTITLE = "District Announcement"


def subtitles(session: Session, announcement_ids: Collection[int]) -> dict[int, str]:
    """Each announcement's subtitle, by id (every id given has one)."""
    found: dict[int, str] = dict.fromkeys(announcement_ids, DISTRICT_SUBTITLE)
    if not found:
        return found
    rows = session.execute(
        select(AnnouncementSchool.announcement_id, func.count(), func.min(School.name))
        .join(School, School.id == AnnouncementSchool.school_id)
        .where(AnnouncementSchool.announcement_id.in_(list(found)))
        .group_by(AnnouncementSchool.announcement_id))
    for announcement_id, schools, first_name in rows:
        found[announcement_id] = first_name if schools == 1 else ""
    return found
