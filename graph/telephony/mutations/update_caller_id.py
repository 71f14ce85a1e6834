"""updateCallerId: change a caller ID number (CID-01); a District Default one needs district settings (CID-06)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import CATALOGUE, Perm
from domain.telephony import caller_ids as rules
from graph.context import Info
from graph.errors import CALLER_ID_CODES, field_errors, perform
from graph.pagination import parse_id
from graph.permissions import authorize_input, requires
from graph.telephony.inputs import CallerIdInput, to_caller_id
from graph.telephony.types import CallerIdSaved, refuse_district_default_change, shown

UpdateCallerIdErrors = field_errors("UpdateCallerId", CALLER_ID_CODES)
UpdateCallerIdResult = Annotated[CallerIdSaved | UpdateCallerIdErrors, strawberry.union(
    "UpdateCallerIdResult", description="What updateCallerId answers: the saved number, or the input's errors.")]


@strawberry.type
class UpdateCallerIdMutation:
    @strawberry.mutation(**requires(
        "Change a caller ID number (CID-01); a District Default number also needs "
        f"{CATALOGUE[Perm.DISTRICT_SETTINGS].describe()}.", Perm.COMMUNICATION, Perm.CALLER_ID_PHONE_NUMBERS))
    def update_caller_id(self, info: Info,
                         id: Annotated[strawberry.ID, strawberry.argument(description="The number (CallerId.id).")],
                         input: Annotated[CallerIdInput, strawberry.argument(
                             description="The number as it is to be: every field replaces the stored one.")]) -> UpdateCallerIdResult:
        authorize_input(info.context.viewer, input)
        refuse_district_default_change(info, parse_id(id, Kind.CALLER_ID))
        return perform(info, lambda: rules.edit(info.context.session, parse_id(id, Kind.CALLER_ID), to_caller_id(input)),
                       refused=UpdateCallerIdErrors.of, done=lambda row: CallerIdSaved(caller_id=shown(info, [row])[0]))
