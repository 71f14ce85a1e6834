"""Who a posting's email, SMS, call and push reach (ANN-14, ANN-11): the announcement's audience
as two subqueries, students and (non-student) users, that activation inserts as the message's
selection with one INSERT … SELECT each.

The targeting follows ANN-04, ANN-06, ANN-08, ANN-17, ANN-18 and ANN-22 with the recipient rules'
own SQL (domain.recipients.sources, domain.recipients.family_pick):

- The **scope** is the active students of the selected schools (none: every school, ANN-06) and
  grade levels (none: every grade, ANN-08), or of the selected sections of a class announcement.
- **Students** are reached when a Student profile is selected.
- **Parents** holding a selected profile are reached through a contact card linked to their
  account on a scoped student, chosen by the Student Contacts option: PRIMARY the custodial cards
  (RCP-06), ALL every card (RCP-07), ONCE_PER_FAMILY the picked student's cards (RCP-09, with the
  announcement's family seed); TEACHERS_OF reaches no parent.
- **Staff** holding a selected profile are reached at the selected schools (any school when none
  is selected); with TEACHERS_OF, only teachers of the scoped students (RCP-12); a class
  announcement reaches no staff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import and_, false, or_, select, union
from sqlmodel import Session

from domain.recipients.family_pick import family_contacts, picked_family_students
from domain.recipients.resolution import sender_shape_and_params, student_contacts, teachers_of
from models.announcements import (
    Announcement,
    AnnouncementGradeLevel,
    AnnouncementProfile,
    AnnouncementSchool,
    AnnouncementSection,
    AnnouncementStudentContacts as SC,
)
from models.directory import AccountStatus, Contact, Enrollment, Profile, Role, Student, User, UserProfile, UserSchool
from models.messaging import Message

ACTIVE = AccountStatus.ACTIVE.value


@dataclasses.dataclass(frozen=True)
class PostingAudience:
    students: object  # subquery (student_id)
    users: object  # subquery (user_id): staff and parents, never a student's own account
    params: dict  # bound values (the once-per-family draw)


def posting_audience(session: Session, announcement: Announcement, message: Message,
                     now: dt.datetime) -> PostingAudience:
    """The announcement's audience for its posting's ``message`` (whose family seed is the
    announcement's)."""
    roles = set(session.execute(select(Profile.role).join(
        AnnouncementProfile, AnnouncementProfile.profile_id == Profile.id)
        .where(AnnouncementProfile.announcement_id == announcement.id)).scalars())
    scope = _scoped_students(announcement)
    students = (select(scope.c.student_id) if Role.STUDENT.value in roles
                else select(scope.c.student_id).where(false())).subquery("audience_students")
    shape, params = sender_shape_and_params(session, message, now)
    users = union(_parents(announcement, scope, shape), _staff(announcement, scope)).subquery("audience_users")
    return PostingAudience(students, users, params)


def _scoped_students(announcement: Announcement):
    """Active students the announcement's schools, grade levels or sections target."""
    query = select(Student.id.label("student_id")).where(Student.status == ACTIVE)
    if announcement.class_announcement:  # ANN-22
        sections = select(AnnouncementSection.section_id).where(
            AnnouncementSection.announcement_id == announcement.id)
        enrolled = select(Enrollment.student_id).where(Enrollment.section_id.in_(sections))
        return query.where(Student.id.in_(enrolled)).subquery("scope")
    schools = select(AnnouncementSchool.school_id).where(AnnouncementSchool.announcement_id == announcement.id)
    grades = select(AnnouncementGradeLevel.grade_level).where(
        AnnouncementGradeLevel.announcement_id == announcement.id)
    query = query.where(or_(~schools.exists(), Student.school_id.in_(schools)),
                        or_(~grades.exists(), Student.grade_level.in_(grades)))
    return query.subquery("scope")


def _with_selected_profile(announcement: Announcement, role: Role):
    """Users of ``role`` holding one of the announcement's profiles (ANN-18), active."""
    return and_(User.role == role.value, User.status == ACTIVE, User.id.in_(
        select(UserProfile.user_id).join(AnnouncementProfile, AnnouncementProfile.profile_id == UserProfile.profile_id)
        .where(AnnouncementProfile.announcement_id == announcement.id)))


def _parents(announcement: Announcement, scope, shape):
    option = SC(announcement.student_contacts) if announcement.student_contacts else SC.ALL
    if option is SC.TEACHERS_OF:
        return select(User.id.label("user_id")).where(false())
    if option is SC.ONCE_PER_FAMILY:
        cards = family_contacts(picked_family_students(shape, scope))
    else:
        cards = student_contacts(scope, custodial_only=option is SC.PRIMARY)
    return (select(User.id.label("user_id"))
            .join(Contact, Contact.user_id == User.id)
            .join(cards, cards.c.contact_id == Contact.id)
            .where(_with_selected_profile(announcement, Role.PARENT)))


def _staff(announcement: Announcement, scope):
    staff = or_(_with_selected_profile(announcement, Role.ADMIN), _with_selected_profile(announcement, Role.TEACHER))
    if announcement.class_announcement:
        return select(User.id.label("user_id")).where(false())
    if announcement.student_contacts == SC.TEACHERS_OF.value:
        teachers = teachers_of(scope)
        return select(User.id.label("user_id")).join(teachers, teachers.c.user_id == User.id).where(staff)
    schools = select(AnnouncementSchool.school_id).where(AnnouncementSchool.announcement_id == announcement.id)
    at_school = or_(~schools.exists(), User.id.in_(
        select(UserSchool.user_id).where(UserSchool.school_id.in_(schools))))
    return select(User.id.label("user_id")).where(staff, at_school)
