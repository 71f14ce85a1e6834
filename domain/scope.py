"""Scoped selects: what a viewer can reach. Out-of-scope rows are simply not found (RCP-17, RCP-20)."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, select

from domain.viewer import Viewer
from models.directory import (
    AccountStatus,
    Enrollment,
    Role,
    SectionTeacher,
    Student,
    User,
    UserSchool,
)


def student_scope(viewer: Viewer):
    """A WHERE clause on Student for the students the viewer may message."""
    if viewer.role is Role.ADMIN:
        return and_(Student.school_id.in_(viewer.school_ids), Student.status == AccountStatus.ACTIVE)
    if viewer.role is Role.TEACHER:
        if viewer.district.hide_schedules_from_teachers:  # RCP-23
            return false()
        taught = (
            select(Enrollment.student_id)
            .join(SectionTeacher, SectionTeacher.section_id == Enrollment.section_id)
            .where(SectionTeacher.user_id == viewer.id)
        )
        return and_(Student.id.in_(taught), Student.status == AccountStatus.ACTIVE)
    return false()


def staff_scope(viewer: Viewer):
    """A WHERE clause on User for the staff the viewer may message (active, at shared schools)."""
    if not viewer.is_staff or not viewer.school_ids:
        return false()
    shares_school = exists(
        select(UserSchool.user_id).where(
            UserSchool.user_id == User.id, UserSchool.school_id.in_(viewer.school_ids)
        )
    )
    return and_(
        User.role.in_([Role.ADMIN.value, Role.TEACHER.value]),
        User.status == AccountStatus.ACTIVE,
        User.hidden_from_search == false(),
        shares_school,
    )

