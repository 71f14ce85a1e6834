"""Scoped selects: what a viewer can reach. Out-of-scope rows are simply not found (RCP-17, RCP-20)."""

from __future__ import annotations

from sqlalchemy import and_, case, exists, false, or_, select, true

from domain.access.permissions import CATALOGUE, Perm
from domain.access.viewer import Viewer
from models.directory import (
    AccountStatus,
    Contact,
    Enrollment,
    Profile,
    ProfileGrant,
    Role,
    School,
    SchoolYear,
    Section,
    SectionTeacher,
    Student,
    User,
    UserProfile,
    UserSchool,
)
from models.messaging import Delivery, RecipientKind

ACTIVE = AccountStatus.ACTIVE.value
FAMILY_ROLES = (Role.PARENT, Role.STUDENT)


def messaging_targetable(user):
    """PERM-13/PERM-46: a staff user is targetable when any profile of theirs, of a role the
    permission exists for, grants "Include Profile in Messaging Search"; SET-01: and has not
    removed themselves from search."""
    roles = [role.value for role in CATALOGUE[Perm.INCLUDE_IN_MESSAGING_SEARCH].levels]
    granted = exists(
        select(UserProfile.user_id)
        .join(Profile, Profile.id == UserProfile.profile_id)
        .join(ProfileGrant, ProfileGrant.profile_id == Profile.id)
        .where(UserProfile.user_id == user.id, Profile.role.in_(roles),
               ProfileGrant.permission == Perm.INCLUDE_IN_MESSAGING_SEARCH.value)
    )
    return and_(granted, user.hidden_from_search == false())


def current_sections():
    """Sections of the current school year (or not tied to a year): "currently scheduled"."""
    return (select(Section.id).outerjoin(SchoolYear, SchoolYear.id == Section.school_year_id)
            .where(or_(Section.school_year_id.is_(None), SchoolYear.is_current == true())))


def family_student_ids(viewer: Viewer):
    """The students a parent is a contact of, or the student account's own student."""
    if viewer.role is Role.STUDENT:
        return select(Student.id).where(Student.id == viewer.user.student_id)
    return select(Contact.student_id).where(Contact.user_id == viewer.id, Contact.status == ACTIVE)


def student_scope(viewer: Viewer):
    """A WHERE clause on Student for the students the viewer may message."""
    if viewer.role is Role.ADMIN:
        return and_(Student.school_id.in_(viewer.school_ids), Student.status == ACTIVE)
    if viewer.role is Role.TEACHER:
        if viewer.district.hide_schedules_from_teachers:  # RCP-23
            return false()
        taught = (
            select(Enrollment.student_id)
            .join(SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
            .where(SectionTeacher.user_id == viewer.id)
        )
        return and_(Student.id.in_(taught), Student.status == ACTIVE)
    return false()


def staff_scope(viewer: Viewer):
    """A WHERE clause on User for the staff the viewer may message."""
    staff_roles = User.role.in_([Role.ADMIN.value, Role.TEACHER.value])
    if viewer.role in FAMILY_ROLES:
        # RCP-22: family users reach their students' teachers; RCP-24: none when schedules are hidden.
        if viewer.district.hide_schedules_from_family:
            return false()
        teachers = (
            select(SectionTeacher.user_id)
            .join(Enrollment, Enrollment.section_id == SectionTeacher.section_id)
            .where(Enrollment.student_id.in_(family_student_ids(viewer)),
                   SectionTeacher.section_id.in_(current_sections()))
        )
        return and_(staff_roles, User.status == ACTIVE, User.id.in_(teachers))
    if not viewer.school_ids:
        return false()
    shares_school = exists(select(UserSchool.user_id).where(
        UserSchool.user_id == User.id, UserSchool.school_id.in_(viewer.school_ids)))
    # RCP-20 (and RCP-25: sharing a school keeps excluded schools' staff to their own senders).
    return and_(staff_roles, User.status == ACTIVE, messaging_targetable(User), shares_school)


def limited_to_schools(viewer: Viewer) -> bool:
    """A partner key limited to some schools calls (issue 16 point 3): it reaches only their
    people, whatever its creator may reach district-wide (viewer.school_ids is already narrowed)."""
    return viewer.key is not None and viewer.key.school_ids is not None


def is_district_administrator(viewer: Viewer) -> bool:
    """Holds "Communication District Settings": district-wide settings, and every message's full
    delivery ledger. A partner key limited to schools is not district-wide, whoever created it."""
    return viewer.permissions.has(Perm.DISTRICT_SETTINGS) and not limited_to_schools(viewer)


def deliveries_at_schools(school_ids) -> object:
    """A WHERE clause on Delivery: recipients at those schools (a student of one or a contact of
    such a student, by the delivery's student; a staff user at one). Imported recipients are at none."""
    ids = sorted(school_ids)
    return or_(Delivery.student_id.in_(select(Student.id).where(Student.school_id.in_(ids))),
               and_(Delivery.recipient_kind == RecipientKind.USER.value,
                    Delivery.recipient_id.in_(select(UserSchool.user_id).where(UserSchool.school_id.in_(ids)))))


def delivery_school():
    """A column expression on Delivery: the one school a delivery counts at, as the delivery feed
    gives its events (models.delivery_events' triggers): its student's school (a student or a
    contact of one), a staff user's first school by the district's order; NULL for an imported
    recipient. Unlike ``deliveries_at_schools``, a staff member at several schools counts at one,
    so a delivery is counted once when figures are summed per school."""
    student_school = select(Student.school_id).where(Student.id == Delivery.student_id).scalar_subquery()
    first_school = (select(UserSchool.school_id).join(School, School.id == UserSchool.school_id)
                    .where(UserSchool.user_id == Delivery.recipient_id)
                    .order_by(School.sort_order, School.id).limit(1).scalar_subquery())
    return case((Delivery.student_id.is_not(None), student_school),
                (Delivery.recipient_kind == RecipientKind.USER.value, first_school), else_=None)


def administered_schools(viewer: Viewer):
    """A WHERE clause on School: the schools whose preferences the viewer may change. Every school
    for a district administrator; an administrator's own schools; none for anyone else."""
    if is_district_administrator(viewer):
        return true()
    if viewer.role is Role.ADMIN:
        return School.id.in_(sorted(viewer.school_ids))
    return false()


def students_in_scope(viewer: Viewer):
    """A SELECT of the students within the viewer's own scope, whatever their status now (reading
    what was sent to them): an administrator's schools' students, a teacher's scheduled students,
    a family user's own."""
    if viewer.role is Role.ADMIN:
        return select(Student.id).where(Student.school_id.in_(sorted(viewer.school_ids)))
    if viewer.role is Role.TEACHER:
        return (select(Enrollment.student_id).join(SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
                .where(SectionTeacher.user_id == viewer.id))
    return family_student_ids(viewer)


def staff_in_scope(viewer: Viewer):
    """A SELECT of the users at one of the viewer's schools (none for family users)."""
    if viewer.role in FAMILY_ROLES:
        return select(UserSchool.user_id).where(false())
    return select(UserSchool.user_id).where(UserSchool.school_id.in_(sorted(viewer.school_ids)))
