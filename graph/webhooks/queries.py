"""What district administrators read about webhooks."""

from __future__ import annotations

import strawberry

from domain.webhooks import listing
from graph.context import Info
from graph.pagination import parse_id
from graph.permissions import requires_district_settings
from graph.webhooks.types import WebhookEndpoint, WebhookMessage, WebhookMessageStatusEnum, WebhookNotice


@strawberry.type
class WebhookQueries:
    @strawberry.field(**requires_district_settings(
        "Every webhook endpoint, with its status, why it was disabled, and its newest attempts."))
    def webhook_endpoints(self, info: Info, attempts: int = 10) -> list[WebhookEndpoint]:
        return [WebhookEndpoint.of(view) for view in listing.endpoints(info.context.session, attempts)]

    @strawberry.field(**requires_district_settings(
        f"An endpoint's newest webhook messages (at most {listing.MAX_PAGE}), each with its attempts."))
    def webhook_messages(self, info: Info, endpoint_id: strawberry.ID, first: int = 20,
                         status: WebhookMessageStatusEnum | None = None) -> list[WebhookMessage]:
        return [WebhookMessage.of(view) for view in listing.messages(
            info.context.session, parse_id(endpoint_id), first, status.value if status else None)]

    @strawberry.field(**requires_district_settings(
        "What happened to endpoints, newest first: webhook.endpoint_disabled (with the reason) and "
        "webhook.endpoint_enabled."))
    def webhook_notices(self, info: Info, first: int = 50) -> list[WebhookNotice]:
        return [WebhookNotice.of(row) for row in listing.notices(info.context.session, first)]
