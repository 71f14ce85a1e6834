"""One attempt of one webhook message: claim it, sign it, POST it, record what happened.

- ``claim``: one conditional UPDATE makes this worker the message's only sender for a while
  (``sending_until``), so a repeated or early job sends nothing: only a PENDING message whose
  attempt is due (or one resendWebhook asked for) to an enabled endpoint is claimed;
- ``post``: the URL is checked again and the connection goes to the address checked (DNS
  rebinding, domain.webhooks.urls); a 2xx within the timeout is a success; redirects are not followed;
- ``record``: the attempt row; a success resets the endpoint's failure count; a failure schedules
  the next attempt from the retry schedule (a resend gets none) and, once the endpoint has failed
  long enough and often enough in a row, disables it with a notice its administrators see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import httpx
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Engine

from domain.audit.actions import Actor, AuditAction
from domain.audit import trail as audit_trail
from domain.webhooks.config import WebhookConfig
from domain.webhooks.signing import signed_headers
from domain.webhooks.urls import UrlRefused, vet
from models.db import session_scope, utcnow
from models.webhooks import (
    EndpointStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
    WebhookMessageStatus as MS,
    WebhookNotice,
)

#: A job may arrive a little before the time it was scheduled for.
EARLY_TOLERANCE = dt.timedelta(seconds=2)
#: How long past the timeout a claim holds, for a worker that dies mid-send.
CLAIM_MARGIN = dt.timedelta(seconds=30)
DISABLED_NOTICE = "webhook.endpoint_disabled"
ENABLED_NOTICE = "webhook.endpoint_enabled"


@dataclasses.dataclass(frozen=True)
class Claimed:
    message_id: int
    msg_id: str
    payload: str
    endpoint_id: int
    url: str
    signing_secrets: list[str]
    resend: bool


@dataclasses.dataclass(frozen=True)
class AttemptResult:
    started_at: dt.datetime
    duration_ms: int
    status_code: int | None
    error: str | None  # None: delivered

    @property
    def delivered(self) -> bool:
        return self.error is None


@dataclasses.dataclass(frozen=True)
class SendOutcome:
    attempted: bool
    delivered: bool = False
    retry_in: float | None = None  # seconds until the next attempt's job should run
    disabled: bool = False


def claim(engine: Engine, message_id: int, config: WebhookConfig, *, resend: bool, now: dt.datetime) -> Claimed | None:
    """The message, if this call may send it now; None otherwise (delivered, not due, being sent,
    its endpoint disabled or gone)."""
    table = WebhookMessage.__table__
    enabled = select(WebhookEndpoint.id).where(WebhookEndpoint.id == table.c.endpoint_id,
                                               WebhookEndpoint.status == EndpointStatus.ENABLED.value).exists()
    due = or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now + EARLY_TOLERANCE)
    with session_scope(engine) as session:
        row = session.connection().execute(
            update(table).where(table.c.id == message_id, table.c.status == MS.PENDING.value, due, enabled,
                                or_(table.c.sending_until.is_(None), table.c.sending_until < now))
            .values(sending_until=now + dt.timedelta(seconds=config.timeout_seconds) + CLAIM_MARGIN)
            .returning(table.c.id, table.c.msg_id, table.c.payload, table.c.endpoint_id)).first()
        if row is None:
            return None
        endpoint = session.get(WebhookEndpoint, row.endpoint_id)
        signing = [endpoint.secret]
        if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
            signing.append(endpoint.previous_secret)
        return Claimed(row.id, row.msg_id, row.payload, endpoint.id, endpoint.url, signing, resend)


def post(claimed: Claimed, config: WebhookConfig, client: httpx.Client) -> AttemptResult:
    """One signed POST to the endpoint's checked address; what came of it (the error class, never the body)."""
    started = utcnow()
    clock = time.monotonic()

    def result(status_code: int | None, error: str | None) -> AttemptResult:
        return AttemptResult(started, int((time.monotonic() - clock) * 1000), status_code, error)

    try:
        target = vet(claimed.url, config.urls)
    except UrlRefused:
        return result(None, "ADDRESS_REFUSED")
    headers = signed_headers(claimed.msg_id, started, claimed.payload, claimed.signing_secrets)
    headers["host"] = target.host_header
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        response = client.post(target.connect_url, content=claimed.payload.encode(), headers=headers,
                               extensions=extensions, timeout=config.timeout_seconds)
    except httpx.TimeoutException:
        return result(None, "TIMEOUT")
    except httpx.HTTPError:
        return result(None, "CONNECTION")
    return result(response.status_code, None if 200 <= response.status_code < 300 else "HTTP_STATUS")


def record(engine: Engine, claimed: Claimed, attempt: AttemptResult, config: WebhookConfig) -> SendOutcome:
    """The attempt and what follows from it, in one transaction."""
    now = utcnow()
    table = WebhookMessage.__table__
    with session_scope(engine) as session:
        connection = session.connection()
        connection.execute(insert(WebhookAttempt.__table__).values(
            message_id=claimed.message_id, endpoint_id=claimed.endpoint_id, started_at=attempt.started_at,
            duration_ms=attempt.duration_ms, status_code=attempt.status_code, error=attempt.error,
            trigger="RESEND" if claimed.resend else "SCHEDULED"))
        if attempt.delivered:
            connection.execute(update(table).where(table.c.id == claimed.message_id).values(
                status=MS.DELIVERED.value, delivered_at=now, attempt_count=table.c.attempt_count + 1,
                next_attempt_at=None, sending_until=None))
            connection.execute(update(WebhookEndpoint.__table__).where(WebhookEndpoint.id == claimed.endpoint_id)
                               .values(failing_since=None, consecutive_failures=0))
            return SendOutcome(attempted=True, delivered=True)
        count = connection.execute(select(table.c.attempt_count).where(table.c.id == claimed.message_id)).scalar_one() + 1
        retry_in = None if claimed.resend or count >= len(config.retry_schedule) else config.retry_schedule[count]
        connection.execute(update(table).where(table.c.id == claimed.message_id).values(
            attempt_count=count, sending_until=None,
            status=MS.PENDING.value if retry_in is not None else MS.FAILED.value,
            next_attempt_at=now + dt.timedelta(seconds=retry_in) if retry_in is not None else None))
        if _note_failure(session, claimed.endpoint_id, config, now):
            return SendOutcome(attempted=True, disabled=True)
        return SendOutcome(attempted=True, retry_in=retry_in)


def should_disable(failing_since: dt.datetime, consecutive_failures: int, config: WebhookConfig,
                   now: dt.datetime) -> bool:
    """Persistent failure: nothing has succeeded for ``disable_after`` and at least
    ``disable_after_failures`` attempts in a row failed."""
    return consecutive_failures >= config.disable_after_failures and now - failing_since >= config.disable_after


def _note_failure(session, endpoint_id: int, config: WebhookConfig, now: dt.datetime) -> bool:
    """Count the failure on the endpoint; disable it when it has failed persistently. True if it did."""
    endpoints = WebhookEndpoint.__table__
    row = session.connection().execute(
        update(endpoints).where(endpoints.c.id == endpoint_id)
        .values(consecutive_failures=endpoints.c.consecutive_failures + 1,
                failing_since=func.coalesce(endpoints.c.failing_since, now))
        .returning(endpoints.c.consecutive_failures, endpoints.c.failing_since)).first()
    if row is None or not should_disable(row.failing_since, row.consecutive_failures, config, now):
        return False
    hours = (now - row.failing_since).total_seconds() / 3600
    reason = (f"Every attempt failed for {hours:.1f} hours ({row.consecutive_failures} in a row); "
              "enable the endpoint once its receiver answers 2xx again.")
    return disable(session, endpoint_id, reason, now)


def disable(session, endpoint_id: int, reason: str, now: dt.datetime) -> bool:
    """Disable an enabled endpoint: its waiting messages fail, and a notice says why. False if it was not enabled."""
    endpoints, messages = WebhookEndpoint.__table__, WebhookMessage.__table__
    connection = session.connection()
    url = connection.execute(update(endpoints).where(endpoints.c.id == endpoint_id,
                                                     endpoints.c.status == EndpointStatus.ENABLED.value)
                             .values(status=EndpointStatus.DISABLED.value, disabled_at=now, disabled_reason=reason,
                                     updated_at=now)
                             .returning(endpoints.c.url)).scalar()
    if url is None:
        return False
    connection.execute(update(messages).where(messages.c.endpoint_id == endpoint_id,
                                              messages.c.status == MS.PENDING.value)
                       .values(status=MS.FAILED.value, next_attempt_at=None))
    connection.execute(insert(WebhookNotice.__table__).values(endpoint_id=endpoint_id, kind=DISABLED_NOTICE, url=url,
                                                              reason=reason, created_at=now))
    audit_trail.record(session, Actor.system(), AuditAction.WEBHOOK_ENDPOINT_DISABLED, object_type="webhookEndpoint",
                       object_ids=[endpoint_id])
    return True


def send_message(engine: Engine, message_id: int, config: WebhookConfig, *, resend: bool = False,
                 client: httpx.Client | None = None) -> SendOutcome:
    """Claim, POST, record: what the send job does (idempotent: a message it may not send is left alone)."""
    claimed = claim(engine, message_id, config, resend=resend, now=utcnow())
    if claimed is None:
        return SendOutcome(attempted=False)
    if client is None:
        with httpx.Client(follow_redirects=False, trust_env=False) as own:
            attempt = post(claimed, config, own)
    else:
        attempt = post(claimed, config, client)
    return record(engine, claimed, attempt, config)


def overdue(session, now: dt.datetime, grace: dt.timedelta, limit: int = 500) -> list[int]:
    """PENDING messages of enabled endpoints whose attempt is past due by ``grace`` and that nobody
    is sending: their job was lost (a crash between the commit and the enqueue)."""
    table = WebhookMessage.__table__
    return list(session.execute(
        select(table.c.id).join(WebhookEndpoint.__table__, WebhookEndpoint.id == table.c.endpoint_id)
        .where(table.c.status == MS.PENDING.value, WebhookEndpoint.status == EndpointStatus.ENABLED.value,
               table.c.next_attempt_at < now - grace,
               or_(table.c.sending_until.is_(None), table.c.sending_until < now))
        .order_by(table.c.next_attempt_at).limit(limit)).scalars())


