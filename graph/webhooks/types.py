"""Webhook types: endpoints with their recent attempts, messages, attempts and notices."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from domain.support.global_ids import Kind
from domain.webhooks.sending import DISABLED_NOTICE, ENABLED_NOTICE
from domain.webhooks.events import EVENT_DESCRIPTIONS, WebhookEventType as EventType
from domain.webhooks.listing import EndpointView, MessageView
from graph.node import Node
from graph.enum_values import describe_values
from models.webhooks import EndpointStatus, WebhookAttempt as AttemptRow, WebhookMessageStatus, WebhookNotice as NoticeRow
from graph.pagination import node_id

WebhookEventType = describe_values(strawberry.enum(
    EventType, name="WebhookEventType", description="What an endpoint can hear about (issue 16 point 5); the "
                                                    "webhook's type is the value in parentheses."),
    {t: f"({t.value}) {EVENT_DESCRIPTIONS[t]}" for t in EventType})
WebhookEndpointStatus = describe_values(strawberry.enum(EndpointStatus, name="WebhookEndpointStatus",
                                                        description="Whether an endpoint receives webhooks."), {
    EndpointStatus.ENABLED: "Receives webhooks.",
    EndpointStatus.DISABLED: "Receives nothing: disabled after persistent failure; enableWebhookEndpoint turns it on "
                             "again.",
})
WebhookMessageStatusEnum = describe_values(strawberry.enum(WebhookMessageStatus, name="WebhookMessageStatus",
                                                           description="Where a webhook message is."), {
    WebhookMessageStatus.PENDING: "Waiting for its first attempt or a retry (nextAttemptAt).",
    WebhookMessageStatus.DELIVERED: "An attempt was answered with a 2xx status.",
    WebhookMessageStatus.FAILED: "Every scheduled attempt failed, or its endpoint was disabled; resendWebhook tries "
                                 "once more.",
})


@strawberry.type(description="One POST of a webhook message to its endpoint.")
class WebhookAttempt:
    id: strawberry.ID = strawberry.field(description="The attempt's id.")
    message_id: strawberry.ID = strawberry.field(description="The webhook message (not its webhook-id).")
    started_at: dt.datetime = strawberry.field(description="When the POST started (UTC).")
    duration_ms: int = strawberry.field(description="How long it took until answered or given up, in milliseconds.")
    status_code: int | None = strawberry.field(description="The HTTP status answered; null when none was.")
    error: str | None = strawberry.field(description="Null on success; else TIMEOUT, CONNECTION, HTTP_STATUS (not "
                                                     "2xx) or ADDRESS_REFUSED (the URL now resolves to an address "
                                                     "webhooks may not reach).")
    trigger: str = strawberry.field(description="SCHEDULED (the first attempt and its retries) or RESEND.")

    @classmethod
    def of(cls, row: AttemptRow) -> WebhookAttempt:
        return cls(id=node_id(Kind.WEBHOOK_ATTEMPT, row.id), message_id=node_id(Kind.WEBHOOK_MESSAGE, row.message_id),
                   started_at=row.started_at, duration_ms=row.duration_ms, status_code=row.status_code,
                   error=row.error, trigger=row.trigger)


@strawberry.type(description="A URL that receives signed webhooks (Standard Webhooks).")
class WebhookEndpoint(Node):
    id: strawberry.ID = strawberry.field(description="The endpoint's id; the endpoint mutations take it.")
    url: str = strawberry.field(description="Where webhooks are POSTed.")
    event_types: list[WebhookEventType] = strawberry.field(description="What it hears about.")
    school_ids: list[strawberry.ID] | None = strawberry.field(description="Null: every school.")
    status: WebhookEndpointStatus = strawberry.field(description="Enabled, or disabled after persistent failure.")
    created_at: dt.datetime = strawberry.field(description="When it was registered (UTC).")
    disabled_at: dt.datetime | None = strawberry.field(description="When it was disabled (UTC); null while enabled.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled, in words; null while enabled.")
    failing_since: dt.datetime | None = strawberry.field(description="The first failure since the last success.")
    consecutive_failures: int = strawberry.field(description="Failed attempts in a row since the last success.")
    recent_attempts: list[WebhookAttempt] = strawberry.field(description="The newest attempts, newest first.")

    @classmethod
    def of(cls, view: EndpointView) -> WebhookEndpoint:
        row = view.endpoint
        return cls(id=node_id(Kind.WEBHOOK_ENDPOINT, row.id), url=row.url, event_types=[EventType(t) for t in row.event_types],
                   school_ids=None if view.school_ids is None else [node_id(Kind.SCHOOL, s) for s in
                                                                    sorted(view.school_ids)],
                   status=EndpointStatus(row.status), created_at=row.created_at, disabled_at=row.disabled_at,
                   disabled_reason=row.disabled_reason, failing_since=row.failing_since,
                   consecutive_failures=row.consecutive_failures,
                   recent_attempts=[WebhookAttempt.of(a) for a in view.recent_attempts])


@strawberry.type(description="One event sent to one endpoint; every attempt sends the same body and webhook-id.")
class WebhookMessage:
    id: strawberry.ID = strawberry.field(description="What resendWebhook takes.")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint it is for.")
    webhook_id: str = strawberry.field(description="The webhook-id header (msg_…), the same on every attempt.")
    event_type: WebhookEventType = strawberry.field(description="What it tells about.")
    status: WebhookMessageStatusEnum = strawberry.field(description="Pending, delivered or failed.")
    attempt_count: int = strawberry.field(description="How many attempts were made, resends included.")
    next_attempt_at: dt.datetime | None = strawberry.field(description="When the next attempt is due (UTC); null when "
                                                                       "none is scheduled.")
    created_at: dt.datetime = strawberry.field(description="When the event was recorded (UTC).")
    delivered_at: dt.datetime | None = strawberry.field(description="When a 2xx answered (UTC); null until then.")
    payload: str = strawberry.field(description="The JSON body: {type, timestamp, data}.")
    attempts: list[WebhookAttempt] = strawberry.field(description="Newest first.")

    @classmethod
    def of(cls, view: MessageView) -> WebhookMessage:
        row = view.message
        return cls(id=node_id(Kind.WEBHOOK_MESSAGE, row.id), endpoint_id=node_id(Kind.WEBHOOK_ENDPOINT, row.endpoint_id),
                   webhook_id=row.msg_id, event_type=EventType(row.event_type),
                   status=WebhookMessageStatus(row.status), attempt_count=row.attempt_count,
                   next_attempt_at=row.next_attempt_at, created_at=row.created_at, delivered_at=row.delivered_at,
                   payload=row.payload, attempts=[WebhookAttempt.of(a) for a in view.attempts])


@strawberry.enum(description="What happened to an endpoint; the value is the notice's Standard Webhooks type.")
class WebhookNoticeKind(enum.Enum):
    ENDPOINT_DISABLED = strawberry.enum_value(
        DISABLED_NOTICE, description="Disabled after persistent failure (webhook.endpoint_disabled); reason says why.")
    ENDPOINT_ENABLED = strawberry.enum_value(
        ENABLED_NOTICE, description="Turned on again by enableWebhookEndpoint (webhook.endpoint_enabled).")


@strawberry.type(description="Something that happened to an endpoint: disabled after persistent failure (with the "
                             "reason) or enabled again. Kept after the endpoint is deleted.")
class WebhookNotice:
    id: strawberry.ID = strawberry.field(description="The notice's id.")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint it concerns (it may since be deleted).")
    kind: WebhookNoticeKind = strawberry.field(description="What happened to the endpoint.")
    url: str = strawberry.field(description="The endpoint's URL when it happened.")
    reason: str | None = strawberry.field(description="Why it was disabled, in words; null for ENDPOINT_ENABLED.")
    created_at: dt.datetime = strawberry.field(description="When it happened (UTC).")

    @classmethod
    def of(cls, row: NoticeRow) -> WebhookNotice:
        return cls(id=node_id(Kind.WEBHOOK_NOTICE, row.id), endpoint_id=node_id(Kind.WEBHOOK_ENDPOINT, row.endpoint_id), kind=WebhookNoticeKind(row.kind),
                   url=row.url, reason=row.reason, created_at=row.created_at)


@strawberry.type(description="The endpoint, saved.")
class WebhookEndpointSaved:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint as webhookEndpoints now shows it.")


@strawberry.type(description="The endpoint and its signing secret: shown this once, never again.")
class WebhookEndpointWithSecret:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint as webhookEndpoints now shows it.")
    secret: str = strawberry.field(description="whsec_ + base64; verify each webhook with it (docs/graphql.md).")


@strawberry.type(description="The message, queued for one new attempt.")
class WebhookResent:
    message: WebhookMessage = strawberry.field(description="The message as webhookMessages now shows it.")
