"""createPartnerKey: a scoped key for a partner; its secret is shown once (issue 16 point 3)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access import partner_keys as keys_domain
from graph.access.partner_keys import PartnerKey, PartnerScope, shown_key, signing_keys_of, to_scope
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_ids
from graph.permissions import requires_district_settings


@strawberry.input(description="A new partner key.")
class CreatePartnerKeyInput:
    name: str = strawberry.field(description=f"Shown in lists; at most {keys_domain.NAME_MAX_LENGTH} characters.")
    scopes: list[PartnerScope] = strawberry.field(  # type: ignore[valid-type]
        description="What the key may reach; at least one.")
    school_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Limit the key to these schools of yours; null: every school of yours.")
    expires_at: dt.datetime | None = strawberry.field(default=None, description="When it stops working; null: never.")


@strawberry.type(description="A key and its secret (hrk_…): the only time the secret is shown. Send it as "
                             "`Authorization: Bearer <secret>`, or as `Authorization` in connection_init.")
class PartnerKeyIssued:
    key: PartnerKey = strawberry.field(description="The key as partnerKeys lists it.")
    secret: str = strawberry.field(description="The full secret (hrk_<prefix>_…); shown this once, never stored.")


CreatePartnerKeyErrors = field_errors("CreatePartnerKey", (
    "REQUIRED", "TOO_LONG", "INVALID_CHARACTERS", "NOT_FOUND", "DUPLICATE", "EXPIRY_IN_THE_PAST"))
CreatePartnerKeyResult = Annotated[PartnerKeyIssued | CreatePartnerKeyErrors,
                                   strawberry.union(
    "CreatePartnerKeyResult", description="The key and its secret, or why none was created.")]


@strawberry.type
class CreatePartnerKeyMutation:
    @strawberry.mutation(**requires_district_settings(
        "Create a partner key acting for you, narrowed to its scopes and schools (issue 16 point 3). The secret "
        "is returned once; Homeroom keeps only its prefix and an HMAC of it."))
    def create_partner_key(self, info: Info, input: Annotated[CreatePartnerKeyInput, strawberry.argument(
            description="The key's name, scopes, schools and expiry.")]) -> CreatePartnerKeyResult:
        request = keys_domain.NewPartnerKey(
            name=input.name, scopes=tuple(to_scope(s) for s in input.scopes),
            school_ids=parse_ids(input.school_ids, Kind.SCHOOL) if input.school_ids is not None else None,
            expires_at=input.expires_at)
        return perform(info, lambda: keys_domain.create_key(info.context.session, info.context.viewer, request,
                                                            signing_keys_of(info)),
                       refused=CreatePartnerKeyErrors.of,
                       done=lambda issued: PartnerKeyIssued(key=shown_key(info, issued.key.id), secret=issued.secret))
