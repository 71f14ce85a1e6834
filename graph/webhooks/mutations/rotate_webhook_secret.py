"""rotateWebhookSecret: a new signing secret, shown once; the old one signs beside it for a grace period."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.webhooks import endpoints
from graph.context import Info
from graph.errors import field_errors
from graph.permissions import requires_district_settings
from graph.webhooks.mutations.endpoint_action import endpoint_shown, perform_on_endpoint
from graph.webhooks.types import WebhookEndpointWithSecret

RotateWebhookSecretErrors = field_errors("RotateWebhookSecret", ("NOT_FOUND",))
RotateWebhookSecretResult = Annotated[WebhookEndpointWithSecret | RotateWebhookSecretErrors,
                                      strawberry.union(
    "RotateWebhookSecretResult", description="The endpoint and its new secret, or NOT_FOUND.")]


@strawberry.type
class RotateWebhookSecretMutation:
    @strawberry.mutation(**requires_district_settings(
        "A new signing secret for the endpoint, shown this once. Until HOMEROOM_WEBHOOKS_SECRET_GRACE_SECONDS "
        "pass, each webhook carries a signature by the old secret too, so the receiver can switch when it likes."))
    def rotate_webhook_secret(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id (WebhookEndpoint.id).")]) -> RotateWebhookSecretResult:
        return perform_on_endpoint(info, id, endpoints.rotate_secret, refused=RotateWebhookSecretErrors.of,
                                   done=lambda rotated: WebhookEndpointWithSecret(
                                       endpoint=endpoint_shown(info, rotated.endpoint), secret=rotated.secret))
