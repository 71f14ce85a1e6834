"""setPushByDefault: "send a push notification with every message by default" for a school, or
the district's default school preferences (SYS-05)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.directory.district_preferences import set_push_by_default as store_push_by_default
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import require, requires_school_administrator


@strawberry.type(description="Whether messages from the school (or the district's default) ask for push (SYS-05).")
class PushByDefault:
    value: bool = strawberry.field(description="What applies now (a school that follows the district: the "
                                               "district's default).")


#: The district's default without a value; a school that is not one you administer, or missing.
SetPushByDefaultErrors = field_errors("SetPushByDefault", ("REQUIRED", "NOT_FOUND"))
SetPushByDefaultResult = Annotated[PushByDefault | SetPushByDefaultErrors, strawberry.union(
    "SetPushByDefaultResult", description="What now applies, or why nothing changed (REQUIRED, NOT_FOUND).")]


@strawberry.type
class SetPushByDefaultMutation:
    @strawberry.mutation(**requires_school_administrator(
        "Set \"send a push notification with every message by default\" for one school (schoolId), or for the "
        "district's default school preferences (schoolId null). A null value makes the school follow the district. "
        "A school you do not administer answers like a missing one (NOT_FOUND) (SYS-05)."))
    def set_push_by_default(
            self, info: Info,
            value: Annotated[bool | None, strawberry.argument(description=(
                "Ask for push with every message by default; null: the school follows the district (the district's "
                "own default needs a value, REQUIRED)."))] = None,
            school_id: Annotated[strawberry.ID | None, strawberry.argument(description=(
                "A school you administer; null: the district's default school preferences."))] = None,
    ) -> SetPushByDefaultResult:
        viewer = info.context.viewer
        if school_id is None:
            require(viewer, Perm.DISTRICT_SETTINGS)
        school = parse_id(school_id, Kind.SCHOOL) if school_id is not None else None
        return perform(info, lambda: store_push_by_default(info.context.session, viewer, school, value),
                       refused=SetPushByDefaultErrors.of, done=lambda applies: PushByDefault(value=applies))
