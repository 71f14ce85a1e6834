"""revokePartnerKey: the key stops working at once (issue 16 point 3)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access import partner_keys as keys_domain
from domain.audit.actions import Actor
from graph.access.partner_keys import PartnerKey, shown_key
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires_district_settings


@strawberry.type(description="The key, revoked: requests bearing any of its secrets are refused, and WebSockets "
                             "opened with it close within a minute.")
class PartnerKeyRevoked:
    key: PartnerKey = strawberry.field(description="The key as partnerKeys now lists it, revokedAt set.")


RevokePartnerKeyErrors = field_errors("RevokePartnerKey", ("NOT_FOUND",))
RevokePartnerKeyResult = Annotated[PartnerKeyRevoked | RevokePartnerKeyErrors,
                                   strawberry.union(
    "RevokePartnerKeyResult", description="The key revoked, or NOT_FOUND.")]


@strawberry.type
class RevokePartnerKeyMutation:
    @strawberry.mutation(**requires_district_settings(
        "Revoke a partner key: every secret of it stops working at once. Revoking it again changes nothing."))
    def revoke_partner_key(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The key's id (PartnerKey.id).")]) -> RevokePartnerKeyResult:
        return perform(info, lambda: keys_domain.revoke_key(info.context.session, parse_id(id, Kind.PARTNER_KEY),
                                                                  actor=Actor.of(info.context.viewer)),
                       refused=RevokePartnerKeyErrors.of,
                       done=lambda key: PartnerKeyRevoked(key=shown_key(info, key.id)))
