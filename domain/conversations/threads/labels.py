"""How a person in a conversation is shown, computed when read as SQL columns of the query that
lists them, so no list runs a statement per row (INB-01, INB-21, INB-23, INB-24, MRG-02).

A person who no longer exists is shown by role, and their messages stay readable (INB-23):
- a parent removed from the student's contacts (every Contact row linked to them DELETED, or the
  account deleted): "Deleted Contact";
- a student deleted through Delete Student (their Student DELETED, or the account deleted):
  "Deleted Student";
- a teacher or administrator deleted or made inactive: "Deleted User".
A correspondent who is not active counts as read (INB-24): their messages add nothing unread.
"""

from __future__ import annotations

from sqlalchemy import and_, case, exists, literal, null, or_, select
from sqlalchemy.sql.elements import ColumnElement

from models.directory import STAFF_ROLES, AccountStatus, Contact, District, Role, School, Student, UserSchool

DELETED_USER = "Deleted User"
DELETED_STUDENT = "Deleted Student"
DELETED_CONTACT = "Deleted Contact"
ROLE_LABELS = {Role.ADMIN: "Administrator", Role.TEACHER: "Teacher", Role.PARENT: "Parent", Role.STUDENT: "Student"}

#: INB-03 (interpretation): only the 30 most recent messages of a thread can be unread, so a
#: thread never reports more than this many.
UNREAD_LIMIT = 30


def gone_label(user) -> ColumnElement:
    """The INB-23 label of a user (an app_user alias) who no longer exists, else NULL."""
    staff_gone = and_(user.role.in_([role.value for role in STAFF_ROLES]), user.status != AccountStatus.ACTIVE.value)
    student_gone = and_(user.role == Role.STUDENT.value, or_(
        user.status == AccountStatus.DELETED.value,
        exists(select(Student.id).where(Student.id == user.student_id,
                                        Student.status == AccountStatus.DELETED.value))))
    linked = select(Contact.id).where(Contact.user_id == user.id)
    contact_gone = and_(user.role == Role.PARENT.value, or_(
        user.status == AccountStatus.DELETED.value,
        and_(exists(linked), ~exists(linked.where(Contact.status != AccountStatus.DELETED.value)))))
    return case((staff_gone, literal(DELETED_USER)), (student_gone, literal(DELETED_STUDENT)),
                (contact_gone, literal(DELETED_CONTACT)), else_=null())


def display_name(user) -> ColumnElement:
    """The name to show: the INB-23 label for someone gone, else first and last name."""
    gone = gone_label(user)
    return case((gone.is_not(None), gone), else_=user.first_name + literal(" ") + user.last_name)


def role_label(user) -> ColumnElement:
    """The role to show: the INB-23 label for someone gone, else the role's name."""
    gone = gone_label(user)
    return case((gone.is_not(None), gone), *[(user.role == role.value, literal(text))
                                             for role, text in ROLE_LABELS.items()], else_=null())


def school_name(user) -> ColumnElement:
    """The person's school: a staff user's first school by the district's sort order; a student's
    own school; a parent's first child's school (by the same order)."""
    staff = (select(School.name).join(UserSchool, UserSchool.school_id == School.id)
             .where(UserSchool.user_id == user.id).order_by(School.sort_order, School.id).limit(1).scalar_subquery())
    student = (select(School.name).join(Student, Student.school_id == School.id)
               .where(Student.id == user.student_id).scalar_subquery())
    parent = (select(School.name).join(Student, Student.school_id == School.id)
              .join(Contact, Contact.student_id == Student.id).where(Contact.user_id == user.id)
              .order_by(School.sort_order, School.id).limit(1).scalar_subquery())
    return case((user.role == Role.STUDENT.value, student), (user.role == Role.PARENT.value, parent), else_=staff)


def counts_unread(user) -> ColumnElement:
    """INB-24: messages from someone not active count as read."""
    return user.status == AccountStatus.ACTIVE.value


def shown_unread(unread_count, user) -> ColumnElement:
    """A side's unread count as shown: at most UNREAD_LIMIT (INB-03), none from someone not active (INB-24)."""
    return case((~counts_unread(user), literal(0)), (unread_count > UNREAD_LIMIT, literal(UNREAD_LIMIT)),
                else_=unread_count)


def author_name(message, author) -> ColumnElement:
    """Who a message is from as a thread shows it: the district or school it was sent as
    (CMP-13, CMP-14), else its author's display name."""
    district = select(District.name).limit(1).scalar_subquery()
    school = select(School.name).where(School.id == message.send_as_school_id).scalar_subquery()
    return case((message.send_as_district.is_(True), district), (message.send_as_school_id.is_not(None), school),
                else_=display_name(author))
