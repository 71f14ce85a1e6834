"""enableWebhookEndpoint: turn on an endpoint that was disabled after persistent failure (issue 16 point 5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.webhooks import endpoints, listing
from domain.audit.actions import Actor
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires_district_settings
from graph.webhooks.types import WebhookEndpoint, WebhookEndpointSaved

EnableWebhookEndpointErrors = field_errors("EnableWebhookEndpoint", ("NOT_FOUND", "INVALID"))
EnableWebhookEndpointResult = Annotated[WebhookEndpointSaved | EnableWebhookEndpointErrors,
                                        strawberry.union("EnableWebhookEndpointResult")]


@strawberry.type
class EnableWebhookEndpointMutation:
    @strawberry.mutation(**requires_district_settings(
        "Enable a disabled endpoint: its URL is checked again, its failure count starts over and its "
        "delivery.updated events resume where they stopped (messages that failed stay failed: resendWebhook)."))
    def enable_webhook_endpoint(self, info: Info, id: strawberry.ID) -> EnableWebhookEndpointResult:
        session = info.context.session
        return perform(info, lambda: endpoints.enable(session, parse_id(id), info.context.runtime.webhooks,
                                                      actor=Actor.of(info.context.viewer)),
                       refused=EnableWebhookEndpointErrors.of,
                       done=lambda row: WebhookEndpointSaved(endpoint=WebhookEndpoint.of(listing.endpoint_view(session, row))))
