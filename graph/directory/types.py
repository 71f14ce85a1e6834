"""Directory types: schools, students, staff, sections and groups."""

from __future__ import annotations

import strawberry

from graph.context import Info
from models import directory as db


Role = strawberry.enum(db.Role, description="The role a profile or account belongs to.")


@strawberry.type(description="A school of the district.")
class School:
    id: strawberry.ID
    name: str
    sort_order: int
    exclude_from_communication: bool

    @classmethod
    def from_row(cls, row: db.School) -> School:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, sort_order=row.sort_order,
                   exclude_from_communication=row.exclude_from_communication)


@strawberry.type(description="A student the viewer may message.")
class Student:
    id: strawberry.ID
    first_name: str
    last_name: str
    grade_level: str
    language: str
    sms_enabled: bool = strawberry.field(description=(
        "Whether the primary phone on the address card takes SMS; when false, an SMS to the student is "
        "planned as NO_SMS (SMS-02)."))
    school_id: strawberry.Private[int]

    @strawberry.field
    async def school(self, info: Info) -> School:
        return School.from_row(await info.context.loaders.school_by_id.load(self.school_id))

    @classmethod
    def from_row(cls, row: db.Student) -> Student:
        return cls(id=strawberry.ID(str(row.id)), first_name=row.first_name, last_name=row.last_name,
                   grade_level=row.grade_level, language=row.language, sms_enabled=row.sms_enabled,
                   school_id=row.school_id)


@strawberry.type(description="A staff user (admin or teacher).")
class StaffMember:
    id: strawberry.ID
    login: str
    first_name: str
    last_name: str
    role: Role

    @classmethod
    def from_row(cls, row: db.User) -> StaffMember:
        return cls(id=strawberry.ID(str(row.id)), login=row.login, first_name=row.first_name,
                   last_name=row.last_name, role=Role(row.role))


@strawberry.type(description="A class section with its teachers and enrolled students.")
class Section:
    id: strawberry.ID
    name: str
    course_code: str
    school_id: strawberry.Private[int]

    @strawberry.field
    async def school(self, info: Info) -> School:
        return School.from_row(await info.context.loaders.school_by_id.load(self.school_id))

    @strawberry.field
    async def teachers(self, info: Info) -> list[StaffMember]:
        rows = await info.context.loaders.teachers_by_section_id.load(int(self.id))
        return [StaffMember.from_row(row) for row in rows]

    @strawberry.field(description="Enrolled students the viewer may message.")
    async def students(self, info: Info) -> list[Student]:
        rows = await info.context.loaders.students_by_section_id.load(int(self.id))
        return [Student.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: db.Section) -> Section:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, course_code=row.course_code,
                   school_id=row.school_id)


@strawberry.type(description="A named group of students or users assigned to the viewer.")
class Group:
    id: strawberry.ID
    name: str
    member_count: int
