"""deleteCallerId: delete a caller ID number; a District Default one needs district settings (CID-06)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import CATALOGUE, Perm
from domain.telephony import caller_ids as rules
from graph.context import Info
from graph.errors import field_errors
from graph.pagination import node_id, parse_id
from graph.permissions import requires
from graph.telephony.types import refuse_district_default_change

DeleteCallerIdErrors = field_errors("DeleteCallerId", ("NOT_FOUND",))


@strawberry.type(description="The caller ID number is deleted; messages that showed it keep their calls' history.")
class CallerIdDeleted:
    id: strawberry.ID = strawberry.field(description="The id the number had.")


DeleteCallerIdResult = Annotated[CallerIdDeleted | DeleteCallerIdErrors, strawberry.union(
    "DeleteCallerIdResult", description="What deleteCallerId answers: the deleted id, or NOT_FOUND.")]


@strawberry.type
class DeleteCallerIdMutation:
    @strawberry.mutation(**requires(
        "Delete a caller ID number; NOT_FOUND when there is none with that id. A District Default number also needs "
        f"{CATALOGUE[Perm.DISTRICT_SETTINGS].describe()}.", Perm.COMMUNICATION, Perm.CALLER_ID_PHONE_NUMBERS))
    def delete_caller_id(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The number (CallerId.id).")]) -> DeleteCallerIdResult:
        refuse_district_default_change(info, parse_id(id, Kind.CALLER_ID))
        if not rules.remove(info.context.session, parse_id(id, Kind.CALLER_ID)):
            info.context.session.rollback()
            return DeleteCallerIdErrors.not_found("id", "No caller ID number has that id.")
        info.context.session.commit()
        return CallerIdDeleted(id=node_id(Kind.CALLER_ID, parse_id(id, Kind.CALLER_ID)))
