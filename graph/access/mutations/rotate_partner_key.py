"""rotatePartnerKey: a new secret, the old one valid for a grace period (issue 16 point 3)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access import partner_keys as keys_domain
from domain.audit.actions import Actor
from graph.access.mutations.create_partner_key import PartnerKeyIssued
from graph.access.partner_keys import shown_key, signing_keys_of
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires_district_settings

RotatePartnerKeyErrors = field_errors("RotatePartnerKey", ("NOT_FOUND", "INVALID"))
RotatePartnerKeyResult = Annotated[PartnerKeyIssued | RotatePartnerKeyErrors,
                                   strawberry.union(
    "RotatePartnerKeyResult", description="The key and its new secret, or why nothing changed (NOT_FOUND, "
                                          "INVALID).")]


@strawberry.type
class RotatePartnerKeyMutation:
    @strawberry.mutation(**requires_district_settings(
        "Issue a new secret for a partner key, returned once; the secrets it had keep working for graceMinutes "
        f"(0 to {keys_domain.MAX_GRACE_MINUTES}) so the partner can switch without a gap."))
    def rotate_partner_key(
            self, info: Info,
            id: Annotated[strawberry.ID, strawberry.argument(description="The key's id (PartnerKey.id).")],
            grace_minutes: Annotated[int, strawberry.argument(description=(
                f"How long the replaced secrets keep working, in minutes, 0 to {keys_domain.MAX_GRACE_MINUTES}; "
                "0 ends them at once; outside the range INVALID."))] = 60) -> RotatePartnerKeyResult:
        return perform(info, lambda: keys_domain.rotate_key(info.context.session, parse_id(id, Kind.PARTNER_KEY), grace_minutes,
                                                            signing_keys_of(info), actor=Actor.of(info.context.viewer)),
                       refused=RotatePartnerKeyErrors.of,
                       done=lambda issued: PartnerKeyIssued(key=shown_key(info, issued.key.id), secret=issued.secret))
