"""Partner keys in GraphQL (issue 16 point 3): the scope enum, the key type, the partnerKeys list.
The mutations are in graph/access/mutations/."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from domain.support.global_ids import Kind
from domain.access import partner_keys as keys_domain
from domain.access.scopes import SCOPE_DESCRIPTIONS, Scope
from domain.support.signed_ids import SigningKeys
from graph.node import Node
from graph.context import Info
from graph.directory.types import School, StaffMember
from graph.permissions import requires_district_settings
from graph.pagination import node_id

PartnerScope = strawberry.enum(
    enum.Enum("PartnerScope", {scope.name: strawberry.enum_value(
        scope.value, description=f"`{scope.value}`: {SCOPE_DESCRIPTIONS[scope]}.") for scope in Scope}),
    name="PartnerScope",
    description="What a partner key may reach; each field's description names the scopes that may call it.")


def to_scope(value: enum.Enum) -> Scope:
    return Scope(value.value)


def signing_keys_of(info: Info) -> SigningKeys:
    """The deployment's keys, as the shell built them into the runtime (partner-key HMACs derive from them)."""
    return info.context.runtime.links.keys


@strawberry.type(description="A partner key: who made it, what it reaches, and when it was last used. The secret "
                             "is shown only by createPartnerKey and rotatePartnerKey.")
class PartnerKey(Node):
    id: strawberry.ID = strawberry.field(description="The key's id; rotatePartnerKey and revokePartnerKey take it.")
    name: str = strawberry.field(description="The name given when it was created.")
    prefix: str = strawberry.field(description="The start of the current secret (hrk_<prefix>_…), to tell keys apart.")
    previous_prefix: str | None = strawberry.field(
        description="The secret a rotation replaced, while its grace period lasts.")
    previous_valid_until: dt.datetime | None = strawberry.field(description="When the replaced secret stops working.")
    scopes: list[PartnerScope] = strawberry.field(  # type: ignore[valid-type]
        description="What the key may reach; a field a scope does not name answers FORBIDDEN.")
    created_at: dt.datetime = strawberry.field(description="When it was created (UTC).")
    created_by: StaffMember = strawberry.field(description="The district administrator the key acts for.")
    expires_at: dt.datetime | None = strawberry.field(description="When it stops working (UTC); null: never.")
    revoked_at: dt.datetime | None = strawberry.field(description="When it was revoked (UTC); null while it is not.")
    last_used_at: dt.datetime | None = strawberry.field(description="Updated at most once a minute.")
    school_ids: strawberry.Private[tuple[int, ...] | None]

    @strawberry.field(description="The schools the key is limited to; null: every school of its creator.")
    async def schools(self, info: Info) -> list[School] | None:
        if self.school_ids is None:
            return None
        rows = await info.context.loaders.school_by_id.load_many(list(self.school_ids))
        return [School.from_row(row) for row in rows]

    @classmethod
    def from_listing(cls, listing: keys_domain.KeyListing) -> PartnerKey:
        key = listing.key
        return cls(id=node_id(Kind.PARTNER_KEY, key.id), name=key.name, prefix=listing.prefix,
                   previous_prefix=listing.previous_prefix, previous_valid_until=listing.previous_valid_until,
                   scopes=[PartnerScope[scope.name] for scope in keys_domain.scopes_of(key)],
                   created_at=key.created_at, created_by=StaffMember.from_row(listing.creator),
                   expires_at=key.expires_at, revoked_at=key.revoked_at, last_used_at=key.last_used_at,
                   school_ids=listing.school_ids)


def shown_key(info: Info, key_id: int) -> PartnerKey:
    """One key as the list shows it, read after a change."""
    [listing] = keys_domain.listed_keys(info.context.session, key_ids=(key_id,))
    return PartnerKey.from_listing(listing)


@strawberry.type
class PartnerKeyQueries:
    @strawberry.field(**requires_district_settings(
        "The district's partner keys, newest first (issue 16 point 3): name, prefix, scopes, schools, creator, "
        "expiry, revocation and last use. Never the secrets."))
    def partner_keys(self, info: Info) -> list[PartnerKey]:
        return [PartnerKey.from_listing(listing) for listing in keys_domain.listed_keys(info.context.session)]
