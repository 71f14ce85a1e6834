"""deleteCallerId: delete a caller ID number; a District Default one needs district settings (CID-06)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import CATALOGUE, Perm
from domain.telephony import caller_ids as rules
from graph.context import Info
from graph.pagination import parse_id
from graph.permissions import requires
from graph.telephony.types import refuse_district_default_change


@strawberry.type
class DeleteCallerIdMutation:
    @strawberry.mutation(**requires(
        "Delete a caller ID number; false when it did not exist. A District Default number also needs "
        f"{CATALOGUE[Perm.DISTRICT_SETTINGS].describe()}.", Perm.COMMUNICATION, Perm.CALLER_ID_PHONE_NUMBERS))
    def delete_caller_id(self, info: Info, id: strawberry.ID) -> bool:
        refuse_district_default_change(info, parse_id(id))
        removed = rules.remove(info.context.session, parse_id(id))
        info.context.session.commit()
        return removed
