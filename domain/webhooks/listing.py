"""What district administrators read about webhooks, each list in a fixed number of statements."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from sqlalchemy import func, select
from sqlmodel import Session

from domain.support.keyset import KeysetList
from domain.webhooks.events import schools_of
from models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage, WebhookNotice

MAX_PAGE = 100


@dataclasses.dataclass(frozen=True)
class EndpointView:
    endpoint: WebhookEndpoint
    school_ids: frozenset[int] | None
    recent_attempts: list[WebhookAttempt]


@dataclasses.dataclass(frozen=True)
class MessageView:
    message: WebhookMessage
    attempts: list[WebhookAttempt]


def recent_attempts(session: Session, column, keys: list[int], per_key: int) -> dict[int, list[WebhookAttempt]]:
    """The newest ``per_key`` attempts of each key of ``column`` (an endpoint or a message), in one statement."""
    found: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if not keys or per_key <= 0:
        return found
    rank = func.row_number().over(partition_by=column, order_by=WebhookAttempt.id.desc()).label("rank")
    ranked = select(WebhookAttempt.id, rank).where(column.in_(keys)).subquery()
    rows = session.execute(select(WebhookAttempt).join(ranked, ranked.c.id == WebhookAttempt.id)
                           .where(ranked.c.rank <= per_key).order_by(WebhookAttempt.id.desc())).scalars()
    for attempt in rows:
        found[getattr(attempt, column.key)].append(attempt)
    return found


def endpoints(session: Session, attempts_per_endpoint: int = 10) -> list[EndpointView]:
    """Every endpoint, oldest first, with its schools and newest attempts (three statements)."""
    rows = session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).scalars().all()
    ids = [row.id for row in rows]
    schools = schools_of(session, ids)
    attempts = recent_attempts(session, WebhookAttempt.endpoint_id, ids, min(attempts_per_endpoint, MAX_PAGE))
    return [EndpointView(row, schools[row.id], attempts[row.id]) for row in rows]


def messages(session: Session, endpoint_id: int, status: str | None = None) -> KeysetList:
    """An endpoint's messages, newest first, each with its attempts (two statements a page); none
    for an unknown endpoint."""
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookMessage.status == status)

    def with_attempts(rows: list[WebhookMessage]) -> list[MessageView]:
        attempts = recent_attempts(session, WebhookAttempt.message_id, [row.id for row in rows], MAX_PAGE)
        return [MessageView(row, attempts[row.id]) for row in rows]

    return KeysetList(query, WebhookMessage.id, newest_first=True, key_of=lambda view: view.message.id,
                      finish=with_attempts)


def notices() -> KeysetList:
    """The notices (an endpoint disabled or enabled), newest first."""
    return KeysetList(select(WebhookNotice), WebhookNotice.id, newest_first=True)


def endpoint_view(session: Session, row: WebhookEndpoint, attempts_per_endpoint: int = 10) -> EndpointView:
    """One endpoint as ``endpoints`` shows it (a mutation's answer)."""
    attempts = recent_attempts(session, WebhookAttempt.endpoint_id, [row.id], attempts_per_endpoint)
    return EndpointView(row, schools_of(session, [row.id])[row.id], attempts[row.id])


def message_view(session: Session, row: WebhookMessage) -> MessageView:
    return MessageView(row, recent_attempts(session, WebhookAttempt.message_id, [row.id], MAX_PAGE)[row.id])
