"""Audit rows as GraphQL types."""

from __future__ import annotations

import datetime as dt

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from domain.audit.actions import AuditAction as DomainAuditAction
from domain.audit.log import AuditFilter
from graph.enum_values import describe_values
from graph.pagination import node_id, optional_node_id, parse_id
from models.audit import AuditLog

AuditAction = describe_values(strawberry.enum(DomainAuditAction, name="AuditAction",
                                              description="What an audit row records (issue 16 point 8)."), {
    DomainAuditAction.MESSAGE_SENT: "A message went out: sendMessage, sendDraft, or an answer in a thread.",
    DomainAuditAction.SCHEDULED_MESSAGE_SENT: "A scheduled message went out at its queue run.",
    DomainAuditAction.MESSAGE_RESENT: "resendToFailed sent a message's failed deliveries again.",
    DomainAuditAction.MESSAGE_SCHEDULED: "A message was scheduled: scheduleMessage or scheduleDraft.",
    DomainAuditAction.SCHEDULE_UPDATED: "A scheduled message was changed.",
    DomainAuditAction.SCHEDULE_CANCELLED: "A scheduled message was cancelled.",
    DomainAuditAction.REPORT_EXPORTED: "The delivery report was exported as CSV.",
    DomainAuditAction.DIRECTORY_EXPORTED: "The directory was exported (homeroom export oneroster).",
    DomainAuditAction.PERMISSIONS_CHANGED: "Profiles, their grants, or who holds them changed.",
    DomainAuditAction.CONTACT_DATA_VIEWED: "Addresses (emails, phones) of students or their contacts were shown.",
    DomainAuditAction.PARTNER_READ: "A partner key read student, contact or delivery data; objectType names the "
                                    "field.",
    DomainAuditAction.PARTNER_KEY_CREATED: "A partner key was created.",
    DomainAuditAction.PARTNER_KEY_ROTATED: "A partner key was given a new secret.",
    DomainAuditAction.PARTNER_KEY_REVOKED: "A partner key was revoked.",
    DomainAuditAction.WEBHOOK_ENDPOINT_CREATED: "A webhook endpoint was registered.",
    DomainAuditAction.WEBHOOK_ENDPOINT_UPDATED: "A webhook endpoint's URL, event types or schools changed.",
    DomainAuditAction.WEBHOOK_ENDPOINT_DELETED: "A webhook endpoint was deleted.",
    DomainAuditAction.WEBHOOK_ENDPOINT_DISABLED: "Homeroom disabled a webhook endpoint after persistent failure.",
    DomainAuditAction.WEBHOOK_ENDPOINT_ENABLED: "A disabled webhook endpoint was enabled again.",
    DomainAuditAction.WEBHOOK_SECRET_ROTATED: "A webhook endpoint was given a new signing secret.",
    DomainAuditAction.ANNOUNCEMENT_CREATED: "An announcement was created (createAnnouncement).",
    DomainAuditAction.ANNOUNCEMENT_UPDATED: "An announcement was changed, inline or in full, or re-posted.",
    DomainAuditAction.ANNOUNCEMENT_DELETED: "An announcement was deleted.",
    DomainAuditAction.SIGN_IN_LINKED: "An identity provider's account was linked to a user at sign-in.",
})


#: The kind of the ids an audit row lists, by its objectType; a type not named here lists none
#: (a OneRoster run, a partner's read of a field name).
_AUDITED_KINDS = {"message": Kind.MESSAGE, "user": Kind.USER, "partnerKey": Kind.PARTNER_KEY,
                  "webhookEndpoint": Kind.WEBHOOK_ENDPOINT, "profile": Kind.PROFILE, "school": Kind.SCHOOL,
                  "student": Kind.STUDENT, "recipientThread": Kind.MESSAGE,
                  "announcement": Kind.ANNOUNCEMENT}


def audited_object_ids(object_type: str, pks: list[int]) -> list[strawberry.ID]:
    """The global ids of what an audit row names, of the kind its objectType says."""
    kind = _AUDITED_KINDS.get(object_type)
    return [] if kind is None else [node_id(kind, pk) for pk in pks]


@strawberry.type(description="One audited action: who, what, on which objects and how many students and recipients, "
                             "from which request, when; and its link in the hash chain. Never names, addresses, "
                             "bodies or secrets.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="The row's id.")
    action: AuditAction = strawberry.field(description="What was done.")
    object_type: str = strawberry.field(description='What the object ids name, e.g. "message", "partnerKey", or the '
                                                    'field a partner key read ("Query.deliveryEvents").')
    object_ids: list[strawberry.ID] = strawberry.field(description="The ids of the objects acted on, of the kind "
                                                                   "objectType says; empty when none.")
    actor_user_id: strawberry.ID | None = strawberry.field(
        description="The user who acted (a partner key's creator, when a key acted); null for an operator's command.")
    actor_key_id: strawberry.ID | None = strawberry.field(description="The partner key that acted, if one did.")
    student_count: int = strawberry.field(description="How many students the action concerns.")
    recipient_count: int | None = strawberry.field(description="How many recipients a send or schedule concerns; "
                                                               "null for actions that count none.")
    request_id: str | None = strawberry.field(description="The X-Request-ID of the request (logs carry it too).")
    client_address: str | None = strawberry.field(description="The client's IP address; null for a job or an "
                                                              "operator's command.")
    occurred_at: dt.datetime = strawberry.field(description="When it happened (UTC, to the microsecond).")
    prev_hash: str = strawberry.field(description="The rowHash of the row before (hex SHA-256); the first row's is "
                                                  "the genesis hash.")
    row_hash: str = strawberry.field(description="SHA-256 over prevHash and the row's content; "
                                                 "`homeroom audit verify` checks the whole chain.")

    @classmethod
    def from_row(cls, row: AuditLog) -> AuditEntry:
        return cls(id=node_id(Kind.AUDIT_ENTRY, row.id), action=AuditAction(row.action), object_type=row.object_type,
                   object_ids=audited_object_ids(row.object_type, row.object_ids or []),
                   actor_user_id=optional_node_id(Kind.USER, row.actor_user_id),
                   actor_key_id=optional_node_id(Kind.PARTNER_KEY, row.actor_key_id),
                   student_count=row.student_count, recipient_count=row.recipient_count, request_id=row.request_id,
                   client_address=row.client_address, occurred_at=row.occurred_at, prev_hash=row.prev_hash,
                   row_hash=row.row_hash)


@strawberry.input(description="Narrow the audit log; every field set must match.")
class AuditLogFilter:
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Rows concerning this student: every disclosure of their data.")
    actor_user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Rows this user acted in, themselves or through a partner key of theirs.")
    actor_key_id: strawberry.ID | None = strawberry.field(default=None, description="Rows this partner key acted in.")
    action: AuditAction | None = strawberry.field(default=None, description="Rows of this action.")
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
            student_id=parse_id(self.student_id, Kind.STUDENT) if self.student_id is not None else None,
            actor_user_id=parse_id(self.actor_user_id, Kind.USER) if self.actor_user_id is not None else None,
            actor_key_id=parse_id(self.actor_key_id, Kind.PARTNER_KEY) if self.actor_key_id is not None else None,
            action=DomainAuditAction(self.action.value) if self.action is not None else None,
            occurred_from=self.from_, occurred_to=self.to)
