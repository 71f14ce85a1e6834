"""createWebhookEndpoint: register a URL for signed webhooks; its secret is shown once (issue 16 point 5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.webhooks import endpoints
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires_district_settings
from graph.webhooks.inputs import WebhookEndpointInput, to_endpoint_input
from graph.webhooks.mutations.endpoint_action import endpoint_shown
from graph.webhooks.types import WebhookEndpointWithSecret

ENDPOINT_INPUT_CODES = ("REQUIRED", "INVALID", "DUPLICATE", "NOT_FOUND")
CreateWebhookEndpointErrors = field_errors("CreateWebhookEndpoint", ENDPOINT_INPUT_CODES + ("TOO_MANY",))
CreateWebhookEndpointResult = Annotated[WebhookEndpointWithSecret | CreateWebhookEndpointErrors,
                                        strawberry.union(
    "CreateWebhookEndpointResult", description="The endpoint and its secret, or why none was registered.")]


@strawberry.type
class CreateWebhookEndpointMutation:
    @strawberry.mutation(**requires_district_settings(
        "Register a URL that receives signed webhooks (Standard Webhooks) for the event types and schools chosen; "
        "the answer carries its signing secret, shown this once."))
    def create_webhook_endpoint(self, info: Info, input: Annotated[WebhookEndpointInput, strawberry.argument(
            description="The URL, event types and schools.")]) -> CreateWebhookEndpointResult:
        session = info.context.session
        return perform(info, lambda: endpoints.create(session, info.context.viewer, to_endpoint_input(input),
                                                      info.context.runtime.webhooks),
                       refused=CreateWebhookEndpointErrors.of,
                       done=lambda created: WebhookEndpointWithSecret(endpoint=endpoint_shown(info, created.endpoint),
                                                                      secret=created.secret))
