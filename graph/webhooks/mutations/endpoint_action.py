"""What the endpoint mutations share: running a domain action on the endpoint an id names
(enableWebhookEndpoint, rotateWebhookSecret), and showing an endpoint as it is afterwards (every
mutation that answers one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from domain.support.global_ids import Kind
from domain.audit.actions import Actor
from domain.webhooks import listing
from graph.context import Info
from graph.errors import perform
from graph.pagination import parse_id
from graph.webhooks.types import WebhookEndpoint
from models.webhooks import WebhookEndpoint as EndpointRow

T = TypeVar("T")


def perform_on_endpoint(info: Info, id: strawberry.ID, action: Callable[..., T], *,
                        refused: Callable[[Any], Any], done: Callable[[T], Any]) -> Any:
    """``action(session, endpoint id, webhook settings, actor=the viewer)`` through graph.errors.perform."""
    context = info.context
    return perform(info, lambda: action(context.session, parse_id(id, Kind.WEBHOOK_ENDPOINT), context.runtime.webhooks,
                                        actor=Actor.of(context.viewer)), refused=refused, done=done)


def endpoint_shown(info: Info, row: EndpointRow) -> WebhookEndpoint:
    """The endpoint as the API shows it (its schools and newest attempts)."""
    return WebhookEndpoint.of(listing.endpoint_view(info.context.session, row))
