"""Directory queries, scoped to what the viewer may reach (RCP-17, RCP-19, RCP-20, RCP-21); the
district's default user preferences (SET-09); the Web Push key."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import func, or_, select

from domain.support.global_ids import Kind
from channels.base import ChannelKind
from domain.access.permissions import Perm
from domain.access.scope import staff_scope, student_scope
from domain.access.scopes import Scope
from domain.directory.user_settings import UserSetting as UserSettingModel, district_default
from graph.context import Info
from graph.directory.settings import DefaultUserPreference
from graph.directory.types import Group, Section, School, StaffMember, Student
from domain.support.keyset import KeysetList
from graph.pagination import (
    MAX_SEARCH_LENGTH,
    After,
    Before,
    Connection,
    First,
    Last,
    keyset_connection,
    keyset_page,
    parse_id,
    search_term,
    sorted_key,
    window,
)
from graph.permissions import requires
from models import directory as db

NameSearch = Annotated[str | None, strawberry.argument(description=(
    f"A case-blind part of the name as \"first last\"; at most {MAX_SEARCH_LENGTH} characters; "
    "null or blank: everyone."))]
SchoolFilter = Annotated[strawberry.ID | None, strawberry.argument(description=(
    "Only this school's; a school outside the viewer's finds nothing. Null: every school the viewer reaches."))]


def _name_filter(table, search: str | None):
    if not search or not search.strip():
        return True
    pattern = f"%{search.strip().lower()}%"
    full = func.lower(table.first_name + " " + table.last_name)
    return or_(full.like(pattern), func.lower(table.last_name).like(pattern))


def reachable_sections(viewer):
    """The sections the viewer can reach: a teacher's own, an administrator's schools'."""
    query = select(db.Section)
    if viewer.role == db.Role.TEACHER:
        return query.join(db.SectionTeacher, db.SectionTeacher.section_id == db.Section.id).where(
            db.SectionTeacher.user_id == viewer.id)
    return query.where(db.Section.school_id.in_(viewer.school_ids))


def assigned_groups(viewer, group, member, assignee):
    """The groups of one table assigned to the viewer or a profile of theirs: id, name and member count."""
    profile_ids = [profile.id for profile in viewer.profiles]
    assigned = select(assignee.group_id).where(
        or_(assignee.user_id == viewer.id, assignee.profile_id.in_(profile_ids)))
    members = (select(func.count(member.group_id)).where(member.group_id == group.id)
               .correlate(group).scalar_subquery().label("member_count"))
    return select(group.id, group.name, members).where(group.id.in_(assigned))


def _assigned_groups(info: Info, group, member, assignee, kind: str, id_kind: Kind, first, after, last,
                     before) -> Connection[Group]:
    """The groups assigned to the viewer or a profile of theirs, by name, with member counts:
    one statement a page."""
    listing = KeysetList(assigned_groups(info.context.viewer, group, member, assignee), group.id,
                         order=(group.name,), key_of=lambda row: (row.name, row.id))
    return keyset_connection(info.context.session, listing, kind, window(kind, first, after, last, before, default=50),
                             lambda row: Group.of(id_kind, row))


@strawberry.type
class DirectoryQueries:
    @strawberry.field(**requires("Schools the viewer can access, in the district's order (sortOrder, then "
                                 "name), 50 a page by default.", Perm.COMMUNICATION,
                                 scopes=(Scope.DIRECTORY_READ,)))
    def schools(self, info: Info, first: First = None, after: After = None, last: Last = None,
                before: Before = None) -> Connection[School]:
        where = [db.School.id.in_(info.context.viewer.school_ids)]
        return keyset_page(info.context.session, db.School, "school", where,
                           window("school", first, after, last, before, default=50), School.from_row,
                           order=(db.School.sort_order, db.School.name))

    @strawberry.field(**requires(
        "Students the viewer may message, in id order (50 a page by default), searchable by name and "
        "filterable by school.", Perm.COMMUNICATION,
        scopes=(Scope.DIRECTORY_READ,)))
    def students(self, info: Info, search: NameSearch = None, school_id: SchoolFilter = None,
                 first: First = None, after: After = None, last: Last = None,
                 before: Before = None) -> Connection[Student]:
        where = [student_scope(info.context.viewer), _name_filter(db.Student, search_term(search))]
        if school_id is not None:
            where.append(db.Student.school_id == parse_id(school_id, Kind.SCHOOL))
        return keyset_page(info.context.session, db.Student, "student", where,
                           window("student", first, after, last, before, default=50), Student.from_row)

    @strawberry.field(**requires("Staff the viewer may message, in id order (50 a page by default), searchable "
                                 "by name.", Perm.COMMUNICATION,
                                 scopes=(Scope.DIRECTORY_READ,)))
    def staff(self, info: Info, search: NameSearch = None, first: First = None, after: After = None,
              last: Last = None, before: Before = None) -> Connection[StaffMember]:
        where = [staff_scope(info.context.viewer), _name_filter(db.User, search_term(search))]
        return keyset_page(info.context.session, db.User, "staff", where,
                           window("staff", first, after, last, before, default=50), StaffMember.from_row)

    @strawberry.field(**requires(
        "Sections the viewer can reach, by name (50 a page by default): a teacher's own sections, an "
        "admin's schools' sections.", Perm.COMMUNICATION, scopes=(Scope.DIRECTORY_READ,)))
    def sections(self, info: Info, school_id: SchoolFilter = None, first: First = None, after: After = None,
                 last: Last = None, before: Before = None) -> Connection[Section]:
        query = reachable_sections(info.context.viewer)
        if school_id is not None:
            query = query.where(db.Section.school_id == parse_id(school_id, Kind.SCHOOL))
        listing = KeysetList(query, db.Section.id, order=(db.Section.name,), key_of=sorted_key(db.Section.name,
                                                                                            db.Section.id))
        return keyset_connection(info.context.session, listing, "section",
                                 window("section", first, after, last, before, default=50), Section.from_row)

    @strawberry.field(**requires("Student groups assigned to the viewer or a profile of theirs, by name "
                                 "(50 a page by default) (RCP-19).", Perm.COMMUNICATION))
    def student_groups(self, info: Info, first: First = None, after: After = None, last: Last = None,
                       before: Before = None) -> Connection[Group]:
        return _assigned_groups(info, db.StudentGroup, db.StudentGroupMember, db.StudentGroupAssignee,
                                "student-group", Kind.STUDENT_GROUP, first, after, last, before)

    @strawberry.field(**requires("User groups assigned to the viewer or a profile of theirs, by name "
                                 "(50 a page by default) (RCP-21).", Perm.COMMUNICATION))
    def user_groups(self, info: Info, first: First = None, after: After = None, last: Last = None,
                    before: Before = None) -> Connection[Group]:
        return _assigned_groups(info, db.UserGroup, db.UserGroupMember, db.UserGroupAssignee,
                                "user-group", Kind.USER_GROUP, first, after, last, before)

    @strawberry.field(**requires("The district's default user preferences, and which of them are enforced (SET-09).", Perm.COMMUNICATION))
    def default_user_preferences(self, info: Info) -> list[DefaultUserPreference]:
        district = info.context.viewer.district
        return [DefaultUserPreference(setting=setting, value=default.value, enforced=default.enforced)
                for setting in UserSettingModel for default in [district_default(district, setting)]]

    @strawberry.field(**requires("The VAPID public key browsers subscribe with (applicationServerKey); null when "
                                 "push is not served by the webpush plugin.", Perm.COMMUNICATION))
    def push_application_server_key(self, info: Info) -> str | None:
        plugin = info.context.registry.for_kind(ChannelKind.PUSH)
        return getattr(plugin, "application_server_key", None)
