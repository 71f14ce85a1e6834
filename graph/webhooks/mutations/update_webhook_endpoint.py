"""updateWebhookEndpoint: change an endpoint's URL, event types and schools (issue 16 point 5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.webhooks import endpoints
from domain.audit.actions import Actor
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires_district_settings
from graph.webhooks.inputs import WebhookEndpointInput, to_endpoint_input
from graph.webhooks.mutations.create_webhook_endpoint import ENDPOINT_INPUT_CODES
from graph.webhooks.mutations.endpoint_action import endpoint_shown
from graph.webhooks.types import WebhookEndpointSaved

UpdateWebhookEndpointErrors = field_errors("UpdateWebhookEndpoint", ENDPOINT_INPUT_CODES)
UpdateWebhookEndpointResult = Annotated[WebhookEndpointSaved | UpdateWebhookEndpointErrors,
                                        strawberry.union(
    "UpdateWebhookEndpointResult", description="The endpoint as saved, or why nothing changed.")]


@strawberry.type
class UpdateWebhookEndpointMutation:
    @strawberry.mutation(**requires_district_settings(
        "Change an endpoint's URL, event types and schools; its secret and status stay."))
    def update_webhook_endpoint(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id (WebhookEndpoint.id).")],
                                input: Annotated[WebhookEndpointInput, strawberry.argument(
                                    description="The URL, event types and schools it has from now on.")]) -> UpdateWebhookEndpointResult:
        session = info.context.session
        return perform(info, lambda: endpoints.update_endpoint(session, parse_id(id, Kind.WEBHOOK_ENDPOINT), to_endpoint_input(input),
                                                               info.context.runtime.webhooks, actor=Actor.of(info.context.viewer)),
                       refused=UpdateWebhookEndpointErrors.of,
                       done=lambda row: WebhookEndpointSaved(endpoint=endpoint_shown(info, row)))
