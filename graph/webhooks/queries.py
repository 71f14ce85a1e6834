"""What district administrators read about webhooks."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.webhooks import listing
from domain.webhooks.listing import MAX_PAGE
from graph.context import Info
from graph.pagination import After, Before, Connection, First, Last, keyset_connection, parse_id, window
from graph.permissions import requires_district_settings
from graph.webhooks.types import WebhookEndpoint, WebhookMessage, WebhookMessageStatusEnum, WebhookNotice


@strawberry.type
class WebhookQueries:
    @strawberry.field(**requires_district_settings(
        "Every webhook endpoint, with its status, why it was disabled, and its newest attempts."))
    def webhook_endpoints(self, info: Info, attempts: Annotated[int, strawberry.argument(description=(
            f"How many of each endpoint's newest attempts recentAttempts shows, at most {MAX_PAGE}."))] = 10) -> list[WebhookEndpoint]:
        return [WebhookEndpoint.of(view) for view in listing.endpoints(info.context.session, attempts)]

    @strawberry.field(**requires_district_settings(
        "An endpoint's webhook messages, newest first (20 a page by default), each with its attempts."))
    def webhook_messages(self, info: Info,
                         endpoint_id: Annotated[strawberry.ID, strawberry.argument(
                             description="The endpoint (WebhookEndpoint.id); an unknown one has none.")],
                         status: Annotated[WebhookMessageStatusEnum | None, strawberry.argument(
                             description="Only messages in this status; null: every status.")] = None,
                         first: First = None, after: After = None, last: Last = None,
                         before: Before = None) -> Connection[WebhookMessage]:
        listing_ = listing.messages(info.context.session, parse_id(endpoint_id, Kind.WEBHOOK_ENDPOINT), status.value if status else None)
        return keyset_connection(info.context.session, listing_, "webhook-message",
                                 window("webhook-message", first, after, last, before, default=20), WebhookMessage.of)

    @strawberry.field(**requires_district_settings(
        "What happened to endpoints, newest first: webhook.endpoint_disabled (with the reason) and "
        "webhook.endpoint_enabled (50 a page by default)."))
    def webhook_notices(self, info: Info, first: First = None, after: After = None, last: Last = None,
                        before: Before = None) -> Connection[WebhookNotice]:
        return keyset_connection(info.context.session, listing.notices(), "webhook-notice",
                                 window("webhook-notice", first, after, last, before, default=50), WebhookNotice.of)
