"""The webhook endpoint input."""

from __future__ import annotations

import strawberry

from domain.support.global_ids import Kind
from domain.webhooks.endpoints import EndpointInput
from domain.webhooks.events import WebhookEventType as EventType
from graph.pagination import parse_ids
from graph.webhooks.types import WebhookEventType


@strawberry.input(description="A webhook endpoint: where to POST, what about, and for which schools.")
class WebhookEndpointInput:
    url: str = strawberry.field(description="https in production; never a loopback, private or link-local address.")
    event_types: list[WebhookEventType] = strawberry.field(description="What it hears about; at least one.")
    school_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The schools whose events it hears; null: every school.")


def to_endpoint_input(data: WebhookEndpointInput) -> EndpointInput:
    return EndpointInput(url=data.url, event_types=tuple(EventType(t) for t in data.event_types),
                         school_ids=None if data.school_ids is None else parse_ids(data.school_ids, Kind.SCHOOL))
