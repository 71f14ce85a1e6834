"""What the announcement management list and form show (ANN-05, ANN-09, ANN-19).

The list holds the announcements the viewer manages (domain.announcements.rules), in ANN-09's order
(domain.announcements.calendar.listing_order), paged by a key of that order. It leaves out inactive
ones (end date passed) unless asked, and all-schools ones (no school selected, ANN-06) unless asked;
the two toggles combine (ANN-19). Each row's columns load for a whole page in a fixed number of
statements (``announcement_views``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.announcements.calendar import district_today, listing_order
from domain.announcements.rules import managed_announcements, may_edit, require_announcement_access
from domain.announcements.subtitles import subtitles
from models.announcements import (
    Announcement, AnnouncementAttachment, AnnouncementGradeLevel, AnnouncementPosting, AnnouncementProfile,
    AnnouncementSchool, AnnouncementSection,
)
from models.directory import Profile, School, Section, User
from models.translations import AnnouncementTranslation

#: A row's place in ANN-09's order: (has no sort order, its sort order or 0, start date, id).
ListKey = tuple[int, int, str, int]


@dataclasses.dataclass(frozen=True)
class AnnouncementFilter:
    """ANN-19's filters: a title substring; inactive and all-schools ones are left out unless asked."""

    title_contains: str | None = None
    include_inactive: bool = False
    include_all_schools: bool = False


@dataclasses.dataclass(frozen=True)
class AnnouncementView:
    announcement: Announcement
    profiles: list[Profile]
    schools: list[School]
    grade_levels: list[str]
    sections: list[Section]
    files: list  # rows of (id, announcement_id, filename, content_type, size): the bytes stay in the database
    translations: list[AnnouncementTranslation]
    postings: list[AnnouncementPosting]
    author: User | None
    subtitle: str
    may_edit: bool


def list_filter(session: Session, viewer: Viewer, announcement_filter: AnnouncementFilter) -> list:
    """WHERE clauses of the management list (ANN-19) within what the viewer manages."""
    where = list(managed_announcements(viewer))
    text = (announcement_filter.title_contains or "").strip()
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(Announcement.title).like(f"%{escaped}%", escape="\\"))
    if not announcement_filter.include_inactive:  # ANN-19: end date passed
        today = district_today(viewer.district)
        where.append(or_(Announcement.end_date.is_(None), Announcement.end_date >= today))
    if not announcement_filter.include_all_schools:  # ANN-19, ANN-06: no school selected
        where.append(or_(Announcement.class_announcement.is_(True),
                         exists().where(AnnouncementSchool.announcement_id == Announcement.id)))
    return where


def list_key(row: Announcement) -> ListKey:
    return (int(row.sort_order is None), row.sort_order or 0, row.start_date.isoformat(), row.id)


def _after(key: ListKey):
    """The rows after ``key`` in ANN-09's order (sorted ones first by sort order ascending, then by
    start date and id, both newest first)."""
    unsorted, sort_order, start, row_id = key
    start_date = dt.date.fromisoformat(start)
    later_same_sort = or_(Announcement.start_date < start_date,
                          and_(Announcement.start_date == start_date, Announcement.id < row_id))
    if unsorted:
        return and_(Announcement.sort_order.is_(None), later_same_sort)
    return or_(Announcement.sort_order.is_(None), Announcement.sort_order > sort_order,
               and_(Announcement.sort_order == sort_order, later_same_sort))


def valid_key(key) -> bool:
    """A cursor's key has this list's shape."""
    if not (isinstance(key, tuple) and len(key) == 4 and type(key[0]) is int and type(key[1]) is int
            and isinstance(key[2], str) and type(key[3]) is int):
        return False
    try:
        dt.date.fromisoformat(key[2])
    except ValueError:
        return False
    return True


def page(session: Session, where: list, size: int, after: ListKey | None) -> tuple[list[Announcement], bool]:
    """Up to ``size`` rows after ``after`` in ANN-09's order, and whether more follow: one statement."""
    statement = select(Announcement).where(*where)
    if after is not None:
        statement = statement.where(_after(after))
    rows = list(session.execute(statement.order_by(*listing_order()).limit(size + 1)).scalars())
    return rows[:size], len(rows) > size


def count(session: Session, where: list) -> int:
    return session.execute(select(func.count()).select_from(Announcement).where(*where)).scalar_one()


def _grouped(session: Session, statement, ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {i: [] for i in ids}
    for owner, item in session.execute(statement).all():
        found[owner].append(item)
    return found


def announcement_views(session: Session, viewer: Viewer, rows: list[Announcement]) -> dict[int, AnnouncementView]:
    """Each announcement with its columns, by id: one statement per related table for the page."""
    ids = [row.id for row in rows]
    if not ids:
        return {}
    profiles = _grouped(session, select(AnnouncementProfile.announcement_id, Profile)
                        .join(Profile, Profile.id == AnnouncementProfile.profile_id)
                        .where(AnnouncementProfile.announcement_id.in_(ids)).order_by(Profile.name, Profile.id), ids)
    schools = _grouped(session, select(AnnouncementSchool.announcement_id, School)
                       .join(School, School.id == AnnouncementSchool.school_id)
                       .where(AnnouncementSchool.announcement_id.in_(ids))
                       .order_by(School.sort_order, School.name, School.id), ids)
    grades = _grouped(session, select(AnnouncementGradeLevel.announcement_id, AnnouncementGradeLevel.grade_level)
                      .where(AnnouncementGradeLevel.announcement_id.in_(ids))
                      .order_by(AnnouncementGradeLevel.grade_level), ids)
    sections = _grouped(session, select(AnnouncementSection.announcement_id, Section)
                        .join(Section, Section.id == AnnouncementSection.section_id)
                        .where(AnnouncementSection.announcement_id.in_(ids)).order_by(Section.name, Section.id), ids)
    files: dict[int, list] = {i: [] for i in ids}
    for row in session.execute(select(AnnouncementAttachment.id, AnnouncementAttachment.announcement_id,
                                      AnnouncementAttachment.filename, AnnouncementAttachment.content_type,
                                      AnnouncementAttachment.size)
                               .where(AnnouncementAttachment.announcement_id.in_(ids))
                               .order_by(AnnouncementAttachment.id)).all():
        files[row.announcement_id].append(row)
    translations = _grouped(session, select(AnnouncementTranslation.announcement_id, AnnouncementTranslation)
                            .where(AnnouncementTranslation.announcement_id.in_(ids))
                            .order_by(AnnouncementTranslation.language), ids)
    postings = _grouped(session, select(AnnouncementPosting.announcement_id, AnnouncementPosting)
                        .where(AnnouncementPosting.announcement_id.in_(ids))
                        .order_by(AnnouncementPosting.posting_number), ids)
    authors = {user.id: user for user in session.execute(
        select(User).where(User.id.in_({row.author_id for row in rows}))).scalars()}
    titles = subtitles(session, ids)
    editing = may_edit(viewer)
    return {row.id: AnnouncementView(row, profiles[row.id], schools[row.id], grades[row.id], sections[row.id],
                                     files[row.id], translations[row.id], postings[row.id], authors.get(row.author_id),
                                     titles[row.id], editing)
            for row in rows}


def school_options(session: Session, viewer: Viewer) -> list[School]:
    """ANN-05: the schools the author may select, by the district's sort order then name. Schools
    carry no minimum or maximum school year in Homeroom, so none is left out for that."""
    require_announcement_access(viewer)
    if not viewer.school_ids:
        return []
    return list(session.execute(select(School).where(School.id.in_(sorted(viewer.school_ids)))
                                .order_by(School.sort_order, School.name, School.id)).scalars())

