"""resendWebhook: replay one webhook message: a new attempt with the same webhook-id (issue 16 point 5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.webhooks import endpoints, listing
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires_district_settings
from graph.webhooks.types import WebhookMessage, WebhookResent

ResendWebhookErrors = field_errors("ResendWebhook", ("NOT_FOUND", "CONFLICT"))
ResendWebhookResult = Annotated[WebhookResent | ResendWebhookErrors, strawberry.union(
    "ResendWebhookResult", description="The message queued again, or why not (NOT_FOUND; CONFLICT: its endpoint is "
                                       "disabled or it is still pending).")]


@strawberry.type
class ResendWebhookMutation:
    @strawberry.mutation(**requires_district_settings(
        "Send a delivered or failed webhook message again: one new attempt (no retries), with the same "
        "webhook-id, so a receiver that kept it can tell the replay apart. Its endpoint must be enabled."))
    def resend_webhook(self, info: Info, message_id: Annotated[strawberry.ID, strawberry.argument(
            description="The webhook message (WebhookMessage.id, not its webhook-id).")]) -> ResendWebhookResult:
        session = info.context.session
        return perform(info, lambda: endpoints.resend(session, parse_id(message_id, Kind.WEBHOOK_MESSAGE), info.context.runtime.webhook_jobs),
                       refused=ResendWebhookErrors.of,
                       done=lambda row: WebhookResent(message=WebhookMessage.of(listing.message_view(session, row))))
