"""updateOutOfOffice: your out-of-office period and message; messages reaching your inbox within it
are answered automatically, once each (SET-08)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.conversations.replies.out_of_office import MESSAGE_MAX_LENGTH, set_out_of_office
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires
from models.directory import User

UpdateOutOfOfficeErrors = field_errors("UpdateOutOfOffice", ("REQUIRED", "END_BEFORE_START", "TOO_LONG"))


@strawberry.input(description="An out-of-office period (dates inclusive, in the district's time zone) and the "
                               "message to answer with; all three null (or empty) clears it.")
class UpdateOutOfOfficeInput:
    start: dt.date | None = strawberry.field(default=None, description="The first day (ISO date); REQUIRED when the "
                                                                       "end or a message is given.")
    end: dt.date | None = strawberry.field(default=None, description="The last day (ISO date), not before start; "
                                                                     "REQUIRED when the start or a message is given.")
    message: str | None = strawberry.field(default=None, description=(
        f"The answer sent, at most {MESSAGE_MAX_LENGTH} characters; REQUIRED when dates are given."))


@strawberry.type(description="Your out-of-office setting (SET-08); all null when none is set.")
class OutOfOffice:
    start: dt.date | None = strawberry.field(description="The first day (ISO date, the district's time zone); null "
                                                         "when none is set.")
    end: dt.date | None = strawberry.field(description="The last day, inclusive; null when none is set.")
    message: str | None = strawberry.field(description="The answer sent; null when none is set.")

    @classmethod
    def of(cls, user: User) -> OutOfOffice:
        return cls(start=user.out_of_office_start, end=user.out_of_office_end, message=user.out_of_office_message)


UpdateOutOfOfficeResult = Annotated[OutOfOffice | UpdateOutOfOfficeErrors, strawberry.union(
    "UpdateOutOfOfficeResult", description="Your out-of-office setting now, or why nothing changed.")]


@strawberry.type
class UpdateOutOfOfficeMutation:
    @strawberry.mutation(**requires(
        "Set or clear your out-of-office period and message: each message that reaches your inbox within it "
        "(inclusive) is answered once with the message, marked automatic; an automatic answer is never answered "
        "(SET-08). An end before the start is END_BEFORE_START, an empty message REQUIRED.", Perm.COMMUNICATION))
    def update_out_of_office(self, info: Info, input: Annotated[UpdateOutOfOfficeInput, strawberry.argument(
            description="The period and message; all null clears it.")]) -> UpdateOutOfOfficeResult:
        return perform(info, lambda: set_out_of_office(info.context.session, user_id=info.context.viewer.id,
                                                       start=input.start, end=input.end, message=input.message),
                       done=OutOfOffice.of, refused=UpdateOutOfOfficeErrors.of)
