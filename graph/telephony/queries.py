"""Caller ID queries: every number (CID-01), and the numbers a sender may put on a call (VOI-03)."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.telephony import caller_ids as rules
from graph.context import Info
from graph.permissions import requires
from graph.telephony.types import AvailableCallerIds, CallerId, shown
from models.caller_ids import CallerId as CallerIdRow
from graph.pagination import optional_node_id


@strawberry.type
class CallerIdQueries:
    @strawberry.field(**requires("Every caller ID number (CID-01).", Perm.COMMUNICATION,
                                 Perm.CALLER_ID_PHONE_NUMBERS))
    def caller_ids(self, info: Info) -> list[CallerId]:
        rows = info.context.session.execute(select(CallerIdRow).order_by(CallerIdRow.title, CallerIdRow.id))
        return shown(info, list(rows.scalars()))

    @strawberry.field(**requires("The numbers you may put on a call, and your default (VOI-03, CID-03).",
                                 Perm.COMMUNICATION, Perm.PHONE_CALLS))
    def available_caller_ids(self, info: Info) -> AvailableCallerIds:
        available = rules.available_to(info.context.session, info.context.viewer)
        if available.district_default is None:  # VOI-02
            return AvailableCallerIds(numbers=[], default_id=None)
        return AvailableCallerIds(numbers=shown(info, available.numbers), default_id=optional_node_id(
            Kind.CALLER_ID, available.default.id if available.default else None))
