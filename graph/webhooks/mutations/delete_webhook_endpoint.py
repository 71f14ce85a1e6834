"""deleteWebhookEndpoint: remove an endpoint with its messages and attempts (issue 16 point 5)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.audit.actions import Actor
from domain.webhooks import endpoints
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires_district_settings

DeleteWebhookEndpointErrors = field_errors("DeleteWebhookEndpoint", ("NOT_FOUND",))


@strawberry.type(description="The endpoint is deleted with its messages and attempts; its notices stay.")
class WebhookEndpointDeleted:
    id: strawberry.ID = strawberry.field(description="The id the endpoint had.")


DeleteWebhookEndpointResult = Annotated[WebhookEndpointDeleted | DeleteWebhookEndpointErrors,
                                        strawberry.union(
    "DeleteWebhookEndpointResult", description="The endpoint deleted, or NOT_FOUND.")]


@strawberry.type
class DeleteWebhookEndpointMutation:
    @strawberry.mutation(**requires_district_settings(
        "Delete an endpoint with its messages and attempts (its notices stay); NOT_FOUND when there is none with "
        "that id."))
    def delete_webhook_endpoint(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id (WebhookEndpoint.id).")]) -> DeleteWebhookEndpointResult:
        return perform(info, lambda: endpoints.remove(info.context.session, parse_id(id, Kind.WEBHOOK_ENDPOINT),
                                                       actor=Actor.of(info.context.viewer)),
                       done=lambda removed: WebhookEndpointDeleted(id=node_id(Kind.WEBHOOK_ENDPOINT, parse_id(id, Kind.WEBHOOK_ENDPOINT))) if removed else
                       DeleteWebhookEndpointErrors.not_found("id", "No webhook endpoint has that id."))
