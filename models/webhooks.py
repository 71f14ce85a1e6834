"""Outbound webhook endpoints, messages and attempts (issue 16 point 5).

An endpoint is a partner's URL with the event types and schools it wants; a message is one signed
POST body (Standard Webhooks: its ``msg_id`` is the ``webhook-id`` header, the same on every retry);
each try is an attempt. Notices are what happened to an endpoint that its administrator should see
(``webhook.endpoint_disabled``): they outlive the endpoint, so they carry its id without a key.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import utcnow


class EndpointStatus(str, enum.Enum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class WebhookMessageStatus(str, enum.Enum):
    PENDING = "PENDING"  # waiting for its first attempt or a retry
    DELIVERED = "DELIVERED"  # a 2xx answered
    FAILED = "FAILED"  # every scheduled attempt failed, or its endpoint was disabled


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2048)
    event_types: list[str] = Field(default_factory=list, sa_type=JSON)
    status: EndpointStatus = Field(default=EndpointStatus.ENABLED, sa_type=String(16))
    #: ``whsec_`` + base64 of 32 random bytes; the previous one signs too until it expires (rotation).
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_expires_at: dt.datetime | None = None
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    disabled_at: dt.datetime | None = None
    disabled_reason: str | None = Field(default=None, max_length=300)
    #: The first failed attempt since the last success, and how many have failed since (disabling).
    failing_since: dt.datetime | None = None
    consecutive_failures: int = Field(default=0)
    #: Where the endpoint's delivery.updated events resume (domain.webhooks.feed).
    feed_cursor: str | None = Field(default=None, max_length=120)


class WebhookEndpointSchool(SQLModel, table=True):
    """The schools an endpoint hears about; none: every school of the district."""

    __tablename__ = "webhook_endpoint_school"

    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)


class WebhookMessage(SQLModel, table=True):
    __tablename__ = "webhook_message"
    #: One message per event and endpoint: emitting twice (a repeated job, the sweep) writes nothing.
    __table_args__ = (UniqueConstraint("endpoint_id", "event_key", name="uq_webhook_message_event"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    msg_id: str = Field(max_length=40, unique=True)
    event_type: str = Field(max_length=40)
    event_key: str = Field(max_length=120)
    #: The exact body every attempt sends (and signs): JSON {type, timestamp, data}.
    payload: str = Field(sa_type=Text)
    status: WebhookMessageStatus = Field(default=WebhookMessageStatus.PENDING, sa_type=String(16))
    attempt_count: int = Field(default=0)
    next_attempt_at: dt.datetime | None = Field(default=None, index=True)
    #: Set while one worker sends it, so a repeated job does not send it twice at once.
    sending_until: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    delivered_at: dt.datetime | None = None


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="webhook_message.id", index=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    started_at: dt.datetime = Field(default_factory=utcnow)
    duration_ms: int = Field(default=0)
    status_code: int | None = None
    #: None when a 2xx answered; else TIMEOUT, CONNECTION, HTTP_STATUS or ADDRESS_REFUSED.
    error: str | None = Field(default=None, max_length=40)
    #: SCHEDULED (the first try and its retries) or RESEND (resendWebhook).
    trigger: str = Field(default="SCHEDULED", max_length=16)


class WebhookNotice(SQLModel, table=True):
    """Something that happened to an endpoint, for its administrators: ``webhook.endpoint_disabled``,
    ``webhook.endpoint_enabled``."""

    __tablename__ = "webhook_notice"

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(index=True)
    kind: str = Field(max_length=40)
    url: str = Field(max_length=2048)
    reason: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)
