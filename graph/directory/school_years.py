"""The school year a sign-in works in (SYS-08): the district's years, and the one the viewer's
session works in (domain.directory.school_years holds the rules)."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.access.permissions import Perm
from domain.access.viewer import Viewer
from domain.directory.school_years import SessionYear, district_years, is_prior, session_year
from domain.support.global_ids import Kind
from graph.context import Info
from graph.pagination import node_id
from graph.permissions import requires
from models.directory import STAFF_ROLES
from models.directory import SchoolYear as SchoolYearRow

#: Any staff user with Communication (PERM-06); families have no year selector: they always work in
#: the current year (docs/graphql.md).
SCHOOL_YEAR_PERMS = (Perm.COMMUNICATION,)
SCHOOL_YEAR_ROLES = STAFF_ROLES


@strawberry.type(description="A school year of the district (SYS-08).")
class SchoolYear:
    id: strawberry.ID = strawberry.field(description="The school year's id; selectSchoolYear takes it.")
    name: str = strawberry.field(description='Its name, e.g. "2026-2027".')
    start_date: dt.date = strawberry.field(description="Its first day.")
    end_date: dt.date = strawberry.field(description="Its last day.")
    is_current: bool = strawberry.field(description="The district's current school year: the one a new sign-in "
                                                    "works in.")
    is_selected: bool = strawberry.field(description=(
        "The year your session works in: the one you selected in this sign-in, else the current one."))
    is_prior: bool = strawberry.field(description=(
        "It ended before the current year began: while your session works in it, new messages are neither sent "
        "nor scheduled (SYS-08)."))

    @classmethod
    def of(cls, row: SchoolYearRow, working: SessionYear, viewer: Viewer) -> SchoolYear:
        return cls(id=node_id(Kind.SCHOOL_YEAR, row.id), name=row.name, start_date=row.start_date,
                   end_date=row.end_date, is_current=row.is_current,
                   is_selected=working.year is not None and row.id == working.year.id,
                   is_prior=is_prior(row, working.current, viewer))


@strawberry.type
class SchoolYearQueries:
    @strawberry.field(**requires(
        "The district's school years, the latest first, marking the current one and the one your session works in "
        "(SYS-08). Families have no year selector and always work in the current year.", *SCHOOL_YEAR_PERMS,
        roles=SCHOOL_YEAR_ROLES))
    def school_years(self, info: Info) -> list[SchoolYear]:
        session, viewer = info.context.session, info.context.viewer
        working = session_year(session, viewer)
        return [SchoolYear.of(row, working, viewer) for row in district_years(session, viewer)]
