"""deleteWebhookEndpoint: remove an endpoint with its messages and attempts (issue 16 point 5)."""

from __future__ import annotations

import strawberry

from domain.webhooks import endpoints
from domain.audit.actions import Actor
from graph.context import Info
from graph.errors import perform
from graph.pagination import parse_id
from graph.permissions import requires_district_settings


@strawberry.type
class DeleteWebhookEndpointMutation:
    @strawberry.mutation(**requires_district_settings(
        "Delete an endpoint with its messages and attempts (its notices stay); false when there was none."))
    def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> bool:
        return perform(info, lambda: endpoints.remove(info.context.session, parse_id(id),
                                                       actor=Actor.of(info.context.viewer)), done=lambda removed: removed)
