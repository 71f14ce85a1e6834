"""The periodic step (every queue run, and at most every few seconds while dispatch records
outcomes): move feed changes into delivery.updated messages, catch completions whose job was lost,
and find sends whose job was lost. The database holds the truth; this makes the queue catch up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from domain.delivery.policy import after_commit
from domain.webhooks import feed
from domain.webhooks.config import WebhookConfig
from domain.webhooks.events import Emission, WebhookEventType, emit, emit_completed, listening_endpoints
from domain.webhooks.jobs import WebhookJobs
from domain.webhooks.sending import overdue
from models.db import session_scope, utcnow
from models.messaging import Message, MessageStatus
from models.webhooks import EndpointStatus, WebhookEndpoint

#: At most this many delivery.updated messages per endpoint per pump; the next pump goes on.
MAX_BATCHES_PER_ENDPOINT = 20
#: Completions this recent are checked for a message.completed that was never written.
SWEEP_WINDOW = dt.timedelta(hours=1)
#: A send this late, that nobody is sending, lost its job.
OVERDUE_GRACE = dt.timedelta(seconds=60)


@dataclasses.dataclass(frozen=True)
class Pumped:
    feed_messages: int
    completed_messages: int
    resent_overdue: int


def pump(engine: Engine, config: WebhookConfig, jobs: WebhookJobs, now: dt.datetime | None = None) -> Pumped:
    """One step; the send jobs of what it wrote start after its commit."""
    now = now or utcnow()
    with session_scope(engine) as session:
        if session.execute(select(WebhookEndpoint.id).where(
                WebhookEndpoint.status == EndpointStatus.ENABLED.value).limit(1)).first() is None:
            return Pumped(0, 0, 0)  # the common case while dispatch runs: one cheap statement
        from_feed = _feed_batches(session, config, now)
        recent = session.execute(select(Message.id).where(Message.status == MessageStatus.COMPLETED.value,
                                                          Message.completed_at >= now - SWEEP_WINDOW)).scalars().all()
        completed = emit_completed(session, recent, now) if recent else []
        late = overdue(session, now, OVERDUE_GRACE)
        written = from_feed + completed + late
        if written:
            after_commit(session, lambda: jobs.send(written))
    return Pumped(len(from_feed), len(completed), len(late))


def _feed_batches(session, config: WebhookConfig, now: dt.datetime) -> list[int]:
    """delivery.updated for each listening endpoint (locked: two pumps never share one), from its cursor."""
    written: list[int] = []
    for endpoint, schools in listening_endpoints(session, WebhookEventType.DELIVERY_UPDATED, lock=True):
        cursor = endpoint.feed_cursor
        for _ in range(MAX_BATCHES_PER_ENDPOINT):
            changes = feed.changes_after(session, after=cursor, school_ids=schools, limit=config.batch_size, now=now)
            if not changes:
                break
            cursor = changes[-1].cursor
            written += emit(session, [Emission(endpoint.id, WebhookEventType.DELIVERY_UPDATED,
                                               f"delivery.updated:{cursor}"[:120],
                                               {"events": [change.event for change in changes]})], now)
            if len(changes) < config.batch_size:
                break
        if cursor != endpoint.feed_cursor:
            session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id)
                            .values(feed_cursor=cursor))
    return written
