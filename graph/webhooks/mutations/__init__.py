"""Webhook mutations, one a module; ``WebhookMutations`` composes them for graph.schema (issue 16 point 5).

- ``create_webhook_endpoint``: createWebhookEndpoint: register a URL; its secret is shown once.
- ``update_webhook_endpoint``: updateWebhookEndpoint: change its URL, event types and schools.
- ``delete_webhook_endpoint``: deleteWebhookEndpoint: remove it with its messages and attempts.
- ``enable_webhook_endpoint``: enableWebhookEndpoint: turn a disabled endpoint on again.
- ``rotate_webhook_secret``: rotateWebhookSecret: a new secret; the old one signs too for a grace period.
- ``resend_webhook``: resendWebhook: one new attempt of a message, same webhook-id.
- ``endpoint_action``: what the mutations on one endpoint share (running the action, showing the endpoint).
"""

from __future__ import annotations

import strawberry

from graph.webhooks.mutations.create_webhook_endpoint import CreateWebhookEndpointMutation
from graph.webhooks.mutations.delete_webhook_endpoint import DeleteWebhookEndpointMutation
from graph.webhooks.mutations.enable_webhook_endpoint import EnableWebhookEndpointMutation
from graph.webhooks.mutations.resend_webhook import ResendWebhookMutation
from graph.webhooks.mutations.rotate_webhook_secret import RotateWebhookSecretMutation
from graph.webhooks.mutations.update_webhook_endpoint import UpdateWebhookEndpointMutation


@strawberry.type
class WebhookMutations(CreateWebhookEndpointMutation, UpdateWebhookEndpointMutation, DeleteWebhookEndpointMutation,
                       EnableWebhookEndpointMutation, RotateWebhookSecretMutation, ResendWebhookMutation):
    pass
