"""The announcements a signed-in viewer sees (ANN-16…ANN-18, ANN-21): one SQL statement per page,
built on domain.announcements.audience, so "the viewer sees it" means "it targets the viewer".

- Active today in the district's time zone, not deleted (domain.announcements.calendar).
- The viewer is in its audience: holds one of its profiles and meets its school, grade-level and
  Student Contacts constraints (ANN-04, ANN-08, ANN-18). Parents therefore see those of every school
  where one of their students is enrolled (ANN-17); students those of their own school.
- Admins and teachers see only those that apply to the school currently selected in their session
  (``Viewer.current_school_id``), district-wide ones included (ANN-16).
- A public announcement with no profile is in the public feed only (domain.announcements.public_feed).

The audience is computed only for the students the viewer can be reached through (their own record,
the students of their contact cards, the students of their sections) and those students' Linked
Students, so a once-per-family draw sees the whole family, as it does when the announcement is sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, case, or_, select, true, union
from sqlalchemy.sql import Select

from domain.access.viewer import Viewer
from domain.announcements.audience import applies_to_school, audience_rows, holds_selected_profile
from domain.announcements.calendar import active_on, district_today, listing_order
from models.announcements import Announcement
from models.directory import (
    AccountStatus,
    Contact,
    Enrollment,
    SchoolYear,
    Section,
    SectionTeacher,
    StudentLink,
    User,
)


def _reachable_students(viewer: Viewer):
    """The students the viewer can be reached through, and their Linked Students (RCP-08)."""
    own = select(User.student_id.label("student_id")).where(User.id == viewer.id, User.student_id.is_not(None))
    cards = select(Contact.student_id).where(Contact.user_id == viewer.id,
                                             Contact.status != AccountStatus.DELETED.value)
    taught = (select(Enrollment.student_id)
              .join(SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
              .join(Section, Section.id == Enrollment.section_id)
              .outerjoin(SchoolYear, SchoolYear.id == Section.school_year_id)
              .where(SectionTeacher.user_id == viewer.id,
                     or_(Section.school_year_id.is_(None), SchoolYear.is_current == true())))
    seeds = union(own, cards, taught).subquery("viewer_seed_students")
    walk = select(seeds.c.student_id).cte("viewer_students", recursive=True)
    sibling = case((StudentLink.student_id == walk.c.student_id, StudentLink.linked_student_id),
                   else_=StudentLink.student_id)
    walk = walk.union(select(sibling).select_from(walk).join(StudentLink, or_(StudentLink.student_id == walk.c.student_id,
                                                            StudentLink.linked_student_id == walk.c.student_id)))
    return select(walk.c.student_id).subquery("reachable_students")


def visible_to(viewer: Viewer, today: dt.date) -> Select:
    """SELECT of the Announcement rows ``viewer`` sees on ``today``, unordered."""
    candidates = [active_on(today), holds_selected_profile(Announcement.id, viewer.id)]
    if viewer.is_staff:  # ANN-16
        candidates.append(applies_to_school(Announcement.id, Announcement.class_announcement,
                                            viewer.current_school_id))
    chosen = select(Announcement.id.label("announcement_id")).where(*candidates).subquery("candidates")
    reached = audience_rows(chosen, students=_reachable_students(viewer), user_id=viewer.id).subquery("reached")
    return select(Announcement).where(Announcement.id.in_(select(reached.c.announcement_id)))


@dataclasses.dataclass(frozen=True)
class FeedPosition:
    """An announcement's place in the ANN-09 order: what a page cursor holds."""

    sort_order: int | None
    start_date: dt.date
    id: int

    @classmethod
    def of(cls, announcement: Announcement) -> FeedPosition:
        return cls(announcement.sort_order, announcement.start_date, announcement.id)


def after(position: FeedPosition):
    """Rows after ``position`` in the ANN-09 order (sorted ascending first, then start date and id
    descending), as one condition."""
    later_in_date = or_(Announcement.start_date < position.start_date,
                        and_(Announcement.start_date == position.start_date, Announcement.id < position.id))
    if position.sort_order is None:
        return and_(Announcement.sort_order.is_(None), later_in_date)
    return or_(Announcement.sort_order.is_(None), Announcement.sort_order > position.sort_order,
               and_(Announcement.sort_order == position.sort_order, later_in_date))


@dataclasses.dataclass(frozen=True)
class FeedPage:
    announcements: list[Announcement]
    more: bool


def feed_page(session, viewer: Viewer, *, size: int, after_position: FeedPosition | None = None,
              today: dt.date | None = None) -> FeedPage:
    """One page of the viewer's feed in ANN-09 order: one statement."""
    statement = visible_to(viewer, today or district_today(viewer.district))
    if after_position is not None:
        statement = statement.where(after(after_position))
    rows = list(session.execute(statement.order_by(*listing_order()).limit(size + 1)).scalars())
    return FeedPage(announcements=rows[:size], more=len(rows) > size)


def is_visible_to(session, viewer: Viewer, announcement_id: int, today: dt.date | None = None) -> bool:
    """Whether the viewer sees this one announcement now (a subscription's per-event check)."""
    statement = visible_to(viewer, today or district_today(viewer.district)).where(Announcement.id == announcement_id)
    return session.execute(select(statement.exists())).scalar_one()

