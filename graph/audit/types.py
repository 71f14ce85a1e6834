"""Audit rows as GraphQL types."""

from __future__ import annotations

import datetime as dt

import strawberry
from graphql import GraphQLError

from domain.audit.actions import AuditAction as DomainAuditAction
from domain.audit.log import AuditFilter
from graph.pagination import parse_id
from models.audit import AuditLog

AuditAction = strawberry.enum(DomainAuditAction, name="AuditAction",
                              description="What an audit row records (issue 16 point 8).")


@strawberry.type(description="One audited action: who, what, on which objects and how many students and recipients, "
                             "from which request, when; and its link in the hash chain. Never names, addresses, "
                             "bodies or secrets.")
class AuditEntry:
    id: strawberry.ID
    action: AuditAction
    object_type: str = strawberry.field(description='What the object ids name, e.g. "message", "partnerKey", or the '
                                                    'field a partner key read ("Query.deliveryEvents").')
    object_ids: list[strawberry.ID]
    actor_user_id: strawberry.ID | None = strawberry.field(
        description="The user who acted (a partner key's creator, when a key acted); null for an operator's command.")
    actor_key_id: strawberry.ID | None = strawberry.field(description="The partner key that acted, if one did.")
    student_count: int = strawberry.field(description="How many students the action concerns.")
    recipient_count: int | None
    request_id: str | None = strawberry.field(description="The X-Request-ID of the request (logs carry it too).")
    client_address: str | None
    occurred_at: dt.datetime
    prev_hash: str
    row_hash: str = strawberry.field(description="SHA-256 over prevHash and the row's content; "
                                                 "`homeroom audit verify` checks the whole chain.")

    @classmethod
    def from_row(cls, row: AuditLog) -> AuditEntry:
        def optional_id(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return cls(id=strawberry.ID(str(row.id)), action=AuditAction(row.action), object_type=row.object_type,
                   object_ids=[strawberry.ID(str(i)) for i in row.object_ids or []],
                   actor_user_id=optional_id(row.actor_user_id), actor_key_id=optional_id(row.actor_key_id),
                   student_count=row.student_count, recipient_count=row.recipient_count, request_id=row.request_id,
                   client_address=row.client_address, occurred_at=row.occurred_at, prev_hash=row.prev_hash,
                   row_hash=row.row_hash)


@strawberry.input(description="Narrow the audit log; every field set must match.")
class AuditLogFilter:
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Rows concerning this student: every disclosure of their data.")
    actor_user_id: strawberry.ID | None = None
    actor_key_id: strawberry.ID | None = None
    action: AuditAction | None = None
    from_: dt.datetime | None = strawberry.field(default=None, name="from",
                                                 description="At or after; with a time zone (Z or an offset).")
    to: dt.datetime | None = strawberry.field(default=None, description="Before; with a time zone.")

    def to_filter(self) -> AuditFilter:
        """The domain's filter; a time without a zone is BAD_USER_INPUT, an id that names nothing finds nothing."""
        for argument, value in (("filter.from", self.from_), ("filter.to", self.to)):
            if value is not None and value.utcoffset() is None:
                raise GraphQLError(f"{argument} needs a time zone, such as 2026-09-01T08:00:00Z",
                                   extensions={"code": "BAD_USER_INPUT", "argument": argument})
        return AuditFilter(
            student_id=parse_id(self.student_id) if self.student_id is not None else None,
            actor_user_id=parse_id(self.actor_user_id) if self.actor_user_id is not None else None,
            actor_key_id=parse_id(self.actor_key_id) if self.actor_key_id is not None else None,
            action=DomainAuditAction(self.action.value) if self.action is not None else None,
            occurred_from=self.from_, occurred_to=self.to)
