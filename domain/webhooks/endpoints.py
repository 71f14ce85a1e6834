"""Registering and changing webhook endpoints (issue 16 point 5); district administrators only
(the GraphQL fields say so). Bad input raises InvalidInput and writes nothing; an id that names no
endpoint (or message) answers NOT_FOUND.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.delivery.policy import after_commit
from domain.support.errors import FieldProblem, InvalidInput
from domain.webhooks import feed
from domain.webhooks.config import WebhookConfig
from domain.webhooks.events import WebhookEventType
from domain.webhooks.jobs import WebhookJobs
from domain.webhooks.sending import ENABLED_NOTICE
from domain.webhooks.signing import new_secret
from domain.webhooks.urls import UrlRefused, vet
from models.db import utcnow
from models.directory import School
from models.webhooks import (
    EndpointStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEndpointSchool,
    WebhookMessage,
    WebhookMessageStatus,
    WebhookNotice,
)

MAX_ENDPOINTS = 50


@dataclasses.dataclass(frozen=True)
class EndpointInput:
    url: str
    event_types: tuple[WebhookEventType, ...]
    school_ids: tuple[int, ...] | None = None  # None: every school


@dataclasses.dataclass(frozen=True)
class Created:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _not_found(path: tuple, what: str = "webhook endpoint") -> InvalidInput:
    return InvalidInput([FieldProblem(path, "NOT_FOUND", f"No {what} has that id.")])


def _problems(session: Session, data: EndpointInput, config: WebhookConfig) -> list[FieldProblem]:
    problems = []
    url = data.url.strip()
    if not url:
        problems.append(FieldProblem(("input", "url"), "REQUIRED", "Enter the URL that receives the webhooks."))
    else:
        try:
            vet(url, config.urls)
        except UrlRefused as refused:
            problems.append(FieldProblem(("input", "url"), "INVALID", str(refused)))
    if not data.event_types:
        problems.append(FieldProblem(("input", "eventTypes"), "REQUIRED", "Choose at least one event type."))
    elif len(set(data.event_types)) != len(data.event_types):
        problems.append(FieldProblem(("input", "eventTypes"), "DUPLICATE", "An event type is listed twice."))
    if data.school_ids:
        known = set(session.execute(select(School.id).where(School.id.in_(data.school_ids))).scalars())
        for index, school_id in enumerate(data.school_ids):
            if school_id not in known:
                problems.append(FieldProblem(("input", "schoolIds", index), "NOT_FOUND", "No school has that id."))
        found = [school_id for school_id in data.school_ids if school_id in known]
        if len(set(found)) != len(found):  # two ids that name nothing (each NOT_FOUND) are no duplicate
            problems.append(FieldProblem(("input", "schoolIds"), "DUPLICATE", "A school is listed twice."))
    return problems


def _write_schools(session: Session, endpoint_id: int, school_ids: tuple[int, ...] | None) -> None:
    session.execute(delete(WebhookEndpointSchool).where(WebhookEndpointSchool.endpoint_id == endpoint_id))
    if school_ids:
        session.execute(insert(WebhookEndpointSchool), [{"endpoint_id": endpoint_id, "school_id": s}
                                                        for s in sorted(set(school_ids))])


def create(session: Session, viewer: Viewer, data: EndpointInput, config: WebhookConfig) -> Created:
    """A new enabled endpoint and its secret; its delivery.updated events start from now."""
    problems = _problems(session, data, config)
    if not problems and session.execute(select(WebhookEndpoint.id).offset(MAX_ENDPOINTS - 1).limit(1)).first():
        problems.append(FieldProblem(("input",), "TOO_MANY", f"A district has at most {MAX_ENDPOINTS} endpoints."))
    if problems:
        raise InvalidInput(problems)
    now = utcnow()
    secret = new_secret()
    endpoint = WebhookEndpoint(url=data.url.strip(), event_types=[t.value for t in data.event_types], secret=secret,
                               created_by_id=viewer.id, created_at=now, updated_at=now,
                               feed_cursor=feed.head(session, now))
    session.add(endpoint)
    session.flush()
    _write_schools(session, endpoint.id, data.school_ids)
    record(session, Actor.of(viewer), AuditAction.WEBHOOK_ENDPOINT_CREATED, object_type="webhookEndpoint",
           object_ids=[endpoint.id])
    return Created(endpoint, secret)


def get(session: Session, endpoint_id: int, path: tuple = ("id",)) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if endpoint is None:
        raise _not_found(path)
    return endpoint


def update_endpoint(session: Session, endpoint_id: int, data: EndpointInput, config: WebhookConfig, *,
                    actor: Actor) -> WebhookEndpoint:
    """New URL, event types and schools; the secret and the feed's place stay."""
    endpoint = get(session, endpoint_id)
    problems = _problems(session, data, config)
    if problems:
        raise InvalidInput(problems)
    endpoint.url = data.url.strip()
    endpoint.event_types = [t.value for t in data.event_types]
    endpoint.updated_at = utcnow()
    _write_schools(session, endpoint.id, data.school_ids)
    session.flush()
    record(session, actor, AuditAction.WEBHOOK_ENDPOINT_UPDATED, object_type="webhookEndpoint", object_ids=[endpoint.id])
    return endpoint


def remove(session: Session, endpoint_id: int, *, actor: Actor) -> bool:
    """Delete the endpoint with its messages and attempts (its notices stay); False if there was none.
    The endpoint is locked first, so an attempt being recorded for it either lands before (and is
    deleted with it) or fails on the missing endpoint (and its job finds nothing to send)."""
    if session.get(WebhookEndpoint, endpoint_id, with_for_update=True) is None:
        return False
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint_id))
    session.execute(delete(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint_id))
    session.execute(delete(WebhookEndpointSchool).where(WebhookEndpointSchool.endpoint_id == endpoint_id))
    session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    record(session, actor, AuditAction.WEBHOOK_ENDPOINT_DELETED, object_type="webhookEndpoint", object_ids=[endpoint_id])
    return True


def enable(session: Session, endpoint_id: int, config: WebhookConfig, *, actor: Actor) -> WebhookEndpoint:
    """Enable a disabled endpoint (its URL is checked again); its failure count starts over and its
    delivery.updated events resume where they stopped. Enabling an enabled one changes nothing."""
    endpoint = get(session, endpoint_id)
    if endpoint.status == EndpointStatus.ENABLED.value:
        return endpoint
    try:
        vet(endpoint.url, config.urls)
    except UrlRefused as refused:
        raise InvalidInput([FieldProblem(("id",), "INVALID", str(refused))]) from None
    now = utcnow()
    endpoint.status, endpoint.disabled_at, endpoint.disabled_reason = EndpointStatus.ENABLED, None, None
    endpoint.failing_since, endpoint.consecutive_failures, endpoint.updated_at = None, 0, now
    session.add(WebhookNotice(endpoint_id=endpoint.id, kind=ENABLED_NOTICE, url=endpoint.url, created_at=now))
    session.flush()
    record(session, actor, AuditAction.WEBHOOK_ENDPOINT_ENABLED, object_type="webhookEndpoint", object_ids=[endpoint.id])
    return endpoint


def rotate_secret(session: Session, endpoint_id: int, config: WebhookConfig, *, actor: Actor) -> Created:
    """A new secret, shown once; the old one signs beside it for ``config.secret_grace``."""
    endpoint = get(session, endpoint_id)
    now = utcnow()
    secret = new_secret()
    endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + config.secret_grace
    endpoint.secret, endpoint.updated_at = secret, now
    session.flush()
    record(session, actor, AuditAction.WEBHOOK_SECRET_ROTATED, object_type="webhookEndpoint", object_ids=[endpoint.id])
    return Created(endpoint, secret)


def resend(session: Session, message_id: int, jobs: WebhookJobs) -> WebhookMessage:
    """Replay one delivered or failed message: one new attempt with the same webhook-id, after the commit."""
    message = session.get(WebhookMessage, message_id, with_for_update=True)
    if message is None:
        raise _not_found(("messageId",), "webhook message")
    endpoint = session.get(WebhookEndpoint, message.endpoint_id)
    if endpoint.status != EndpointStatus.ENABLED.value:
        raise InvalidInput([FieldProblem(("messageId",), "CONFLICT",
                                         "Its endpoint is disabled; enable it first.")])
    if message.status == WebhookMessageStatus.PENDING.value:
        raise InvalidInput([FieldProblem(("messageId",), "CONFLICT",
                                         "The message is still waiting for an attempt.")])
    message.status, message.next_attempt_at, message.sending_until = WebhookMessageStatus.PENDING, utcnow(), None
    session.flush()
    after_commit(session, lambda: jobs.send([message_id], resend=True))
    return message
