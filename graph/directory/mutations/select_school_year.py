"""selectSchoolYear: the school year you work in for the rest of this sign-in (SYS-08, CMP-33)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.directory.school_years import select_school_year as select_for_session
from domain.directory.school_years import session_year
from domain.support.global_ids import Kind
from graph.context import Info
from graph.directory.school_years import SCHOOL_YEAR_PERMS, SCHOOL_YEAR_ROLES, SchoolYear
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires

SelectSchoolYearErrors = field_errors("SelectSchoolYear", ("NOT_FOUND", "NO_SIGN_IN_SESSION"))


@strawberry.type(description="Your session now works in this school year.")
class SchoolYearSelected:
    school_year: SchoolYear = strawberry.field(description="The year selected (isSelected is true).")


SelectSchoolYearResult = Annotated[SchoolYearSelected | SelectSchoolYearErrors, strawberry.union(
    "SelectSchoolYearResult", description="The year your session works in now, or why not (nothing changed then).")]


@strawberry.type
class SelectSchoolYearMutation:
    @strawberry.mutation(**requires(
        "Work in a school year for the rest of this sign-in; other sign-ins, and your next one, keep or start at "
        "the current year. Marking-period insert fields of the one-time messages you send resolve against it "
        "(CMP-33); while it is a prior year, sending and scheduling new messages is refused (SYS-08). Refused "
        "with NO_SIGN_IN_SESSION for a credential without a sign-in session (a provider's token used directly); "
        "families have no year selector.", *SCHOOL_YEAR_PERMS, roles=SCHOOL_YEAR_ROLES))
    def select_school_year(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="One of the district's school years (SchoolYear.id).")]) -> SelectSchoolYearResult:
        session, viewer = info.context.session, info.context.viewer

        def select():
            select_for_session(session, viewer, parse_id(id, Kind.SCHOOL_YEAR))
            working = session_year(session, viewer)
            return SchoolYear.of(working.year, working, viewer)

        return perform(info, select, refused=SelectSchoolYearErrors.of,
                       done=lambda year: SchoolYearSelected(school_year=year))
