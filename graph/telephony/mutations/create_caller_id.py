"""createCallerId: add a caller ID number (CID-01)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.telephony import caller_ids as rules
from graph.context import Info
from graph.errors import CALLER_ID_CODES, field_errors, perform
from graph.permissions import authorize_input, requires
from graph.telephony.inputs import CallerIdInput, to_caller_id
from graph.telephony.types import CallerIdSaved, shown

CreateCallerIdErrors = field_errors("CreateCallerId", CALLER_ID_CODES)
CreateCallerIdResult = Annotated[CallerIdSaved | CreateCallerIdErrors, strawberry.union(
    "CreateCallerIdResult", description="What createCallerId answers: the saved number, or the input's errors.")]


@strawberry.type
class CreateCallerIdMutation:
    @strawberry.mutation(**requires("Add a caller ID number (CID-01).", Perm.COMMUNICATION,
                                    Perm.CALLER_ID_PHONE_NUMBERS))
    def create_caller_id(self, info: Info, input: Annotated[CallerIdInput, strawberry.argument(
            description="The new number.")]) -> CreateCallerIdResult:
        authorize_input(info.context.viewer, input)
        return perform(info, lambda: rules.create(info.context.session, to_caller_id(input)),
                       refused=CreateCallerIdErrors.of, done=lambda row: CallerIdSaved(caller_id=shown(info, [row])[0]))
