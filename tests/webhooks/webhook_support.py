"""Helpers of the webhook tests: emitting a test event, waiting, reading rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from domain.webhooks.events import Emission, WebhookEventType, emit
from models.db import session_scope, utcnow
from models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage
from worker_processes import wait_for

CREATE = """mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename
  ... on WebhookEndpointWithSecret { secret endpoint { id url status eventTypes schoolIds } }
  ... on CreateWebhookEndpointErrors { errors { field code message } } } }"""


def emit_test_event(engine, runtime, endpoint_id: int, data: dict | None = None) -> int:
    """One message.completed-shaped webhook message for the endpoint, sent by the real actors."""
    with session_scope(engine) as session:
        [message_id] = emit(session, [Emission(endpoint_id, WebhookEventType.MESSAGE_COMPLETED,
                                               f"test:{uuid.uuid4().hex}", data or {"test": True})], utcnow())
    runtime.webhook_jobs.send([message_id])
    return message_id


def message_row(engine, message_id: int) -> WebhookMessage:
    with session_scope(engine) as session:
        return session.get(WebhookMessage, message_id)


def attempts_of(engine, message_id: int) -> list[WebhookAttempt]:
    with session_scope(engine) as session:
        return list(session.execute(select(WebhookAttempt).where(WebhookAttempt.message_id == message_id)
                                    .order_by(WebhookAttempt.id)).scalars())


def endpoint_row(engine, endpoint_id: int) -> WebhookEndpoint:
    with session_scope(engine) as session:
        return session.get(WebhookEndpoint, endpoint_id)


def wait_for_status(engine, message_id: int, status: str, timeout: float = 30) -> WebhookMessage:
    wait_for(lambda: message_row(engine, message_id).status == status, timeout, f"webhook message {status}")
    return message_row(engine, message_id)
