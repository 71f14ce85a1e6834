"""enableWebhookEndpoint: turn on an endpoint that was disabled after persistent failure (issue 16 point 5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.webhooks import endpoints
from graph.context import Info
from graph.errors import field_errors
from graph.permissions import requires_district_settings
from graph.webhooks.mutations.endpoint_action import endpoint_shown, perform_on_endpoint
from graph.webhooks.types import WebhookEndpointSaved

EnableWebhookEndpointErrors = field_errors("EnableWebhookEndpoint", ("NOT_FOUND", "INVALID"))
EnableWebhookEndpointResult = Annotated[WebhookEndpointSaved | EnableWebhookEndpointErrors,
                                        strawberry.union(
    "EnableWebhookEndpointResult", description="The endpoint enabled, or why not (NOT_FOUND, INVALID: its URL is "
                                               "refused now).")]


@strawberry.type
class EnableWebhookEndpointMutation:
    @strawberry.mutation(**requires_district_settings(
        "Enable a disabled endpoint: its URL is checked again, its failure count starts over and its "
        "delivery.updated events resume where they stopped (messages that failed stay failed: resendWebhook)."))
    def enable_webhook_endpoint(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id (WebhookEndpoint.id).")]) -> EnableWebhookEndpointResult:
        return perform_on_endpoint(info, id, endpoints.enable, refused=EnableWebhookEndpointErrors.of,
                                   done=lambda row: WebhookEndpointSaved(endpoint=endpoint_shown(info, row)))
