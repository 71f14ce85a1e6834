"""Directory types: schools, students, staff, sections and groups."""

from __future__ import annotations

import strawberry

from domain.support.global_ids import Kind
from graph.node import Node
from graph.context import Info
from graph.enum_values import describe_values
from models import directory as db
from graph.pagination import node_id, parse_id


Role = describe_values(strawberry.enum(db.Role, description="The role a profile or account belongs to."), {
    db.Role.ADMIN: "An administrator: staff who manage a school or the district.",
    db.Role.TEACHER: "A teacher: staff who message their sections' students and families.",
    db.Role.PARENT: "A parent or guardian: a student's contact with a portal account.",
    db.Role.STUDENT: "A student with a portal account.",
})


@strawberry.type(description="A school of the district.")
class School(Node):
    id: strawberry.ID = strawberry.field(description="The school's id.")
    name: str = strawberry.field(description="The school's name.")
    sort_order: int = strawberry.field(description="Its place in the district's order of schools (lowest first); "
                                                   "the first of a person's schools is their current one.")
    exclude_from_communication: bool = strawberry.field(description=(
        "Excluded from communication: its students and staff are not offered to senders outside it, and its senders "
        "reach only their own school (RCP-25); false by default (SYS-06)."))

    @classmethod
    def from_row(cls, row: db.School) -> School:
        return cls(id=node_id(Kind.SCHOOL, row.id), name=row.name, sort_order=row.sort_order,
                   exclude_from_communication=row.exclude_from_communication)


@strawberry.type(description="A student the viewer may message.")
class Student(Node):
    id: strawberry.ID = strawberry.field(description="The student's id.")
    first_name: str = strawberry.field(description="The student's first name.")
    last_name: str = strawberry.field(description="The student's last name.")
    grade_level: str = strawberry.field(description='The grade as the student information system gives it, e.g. "K", '
                                                    '"7", "10".')
    language: str = strawberry.field(description='The language messages to the student are sent in, e.g. "en", '
                                                 '"es".')
    sms_enabled: bool = strawberry.field(description=(
        "Whether the primary phone on the address card takes SMS; when false, an SMS to the student is "
        "planned as NO_SMS (SMS-02)."))
    school_id: strawberry.Private[int]

    @strawberry.field(description="The student's school.")
    async def school(self, info: Info) -> School:
        return School.from_row(await info.context.loaders.school_by_id.load(self.school_id))

    @classmethod
    def from_row(cls, row: db.Student) -> Student:
        return cls(id=node_id(Kind.STUDENT, row.id), first_name=row.first_name, last_name=row.last_name,
                   grade_level=row.grade_level, language=row.language, sms_enabled=row.sms_enabled,
                   school_id=row.school_id)


@strawberry.type(description="A staff user (admin or teacher).")
class StaffMember(Node):
    id: strawberry.ID = strawberry.field(description="The user's id.")
    login: str = strawberry.field(description="The name the user signs in with.")
    first_name: str = strawberry.field(description="The user's first name.")
    last_name: str = strawberry.field(description="The user's last name.")
    role: Role = strawberry.field(description="ADMIN or TEACHER.")

    @classmethod
    def from_row(cls, row: db.User) -> StaffMember:
        return cls(id=node_id(Kind.USER, row.id), login=row.login, first_name=row.first_name,
                   last_name=row.last_name, role=Role(row.role))


@strawberry.type(description="A class section with its teachers and enrolled students.")
class Section(Node):
    id: strawberry.ID = strawberry.field(description="The section's id.")
    name: str = strawberry.field(description="The section's name, e.g. \"Biology 10 - Period 2\".")
    course_code: str | None = strawberry.field(description=(
        "The course code the student information system gives the section, e.g. \"BIO-10\"; null when it gives "
        "none (an empty string before issue 17)."))
    school_id: strawberry.Private[int]

    @strawberry.field(description="The school the section belongs to.")
    async def school(self, info: Info) -> School:
        return School.from_row(await info.context.loaders.school_by_id.load(self.school_id))

    @strawberry.field(description="The section's teachers, by last name.")
    async def teachers(self, info: Info) -> list[StaffMember]:
        rows = await info.context.loaders.teachers_by_section_id.load(parse_id(self.id, Kind.SECTION))
        return [StaffMember.from_row(row) for row in rows]

    @strawberry.field(description="Enrolled students the viewer may message.")
    async def students(self, info: Info) -> list[Student]:
        rows = await info.context.loaders.students_by_section_id.load(parse_id(self.id, Kind.SECTION))
        return [Student.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: db.Section) -> Section:
        return cls(id=node_id(Kind.SECTION, row.id), name=row.name, course_code=row.course_code or None,
                   school_id=row.school_id)


@strawberry.type(description="A named group of students or users assigned to the viewer.")
class Group(Node):
    id: strawberry.ID = strawberry.field(description="The group's id; a student or user group selection takes it.")
    name: str = strawberry.field(description="The group's name.")
    member_count: int = strawberry.field(description="How many students (or users) the group has.")

    @classmethod
    def of(cls, kind: Kind, row) -> Group:
        """A row of graph.directory.queries.assigned_groups (id, name, member_count) of a group table."""
        return cls(id=node_id(kind, row.id), name=row.name, member_count=row.member_count)
