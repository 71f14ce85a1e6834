"""Webhook event types, the body every attempt sends, and emitting messages for an event.

A body is ``{"type", "timestamp", "data"}`` (Standard Webhooks). It is written once, when the
message is made, so every retry sends (and signs) the same bytes. Payloads carry ids, statuses and
counts, never names, addresses or message text: a partner reads more through the API, where its
key's scopes apply. Every id in them is the opaque global id the API shows for that row
(domain.support.global_ids), so a ``messageId`` goes straight to ``message(id:)``; the rows and
event keys stored here keep the integer ids.

``message.completed`` is emitted by a job the dispatch that completes a message hands on after its
commit (jobs.webhooks), and by the pump's sweep for completions that job missed; emitting twice
writes nothing (one message per endpoint and event key). To an endpoint limited to schools it
counts the deliveries at its schools alone, by the school the feed gives each delivery's events,
so it never discloses other schools' recipients and adds up with that endpoint's delivery.updated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import Integer, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.access.scope import delivery_school
from domain.support.global_ids import Kind, global_id
from domain.webhooks.signing import new_msg_id
from models.directory import UserSchool
from models.messaging import Delivery, Message, MessageStatus
from models.webhooks import EndpointStatus, WebhookEndpoint, WebhookEndpointSchool, WebhookMessageStatus, WebhookMessage


class WebhookEventType(str, enum.Enum):
    DELIVERY_UPDATED = "delivery.updated"
    MESSAGE_COMPLETED = "message.completed"


EVENT_DESCRIPTIONS = {
    WebhookEventType.DELIVERY_UPDATED: "Deliveries changed status (the delivery ledger); one webhook carries up to "
                                       "a batch of changes, in order: data.events.",
    WebhookEventType.MESSAGE_COMPLETED: "A message finished: nothing of it is still open; data carries its counts "
                                        "per delivery status (to an endpoint limited to schools: of the deliveries "
                                        "at its schools, and only when there were any).",
}


@dataclasses.dataclass(frozen=True)
class Emission:
    """One webhook message to write: for ``endpoint_id``, unique per (endpoint, ``event_key``)."""

    endpoint_id: int
    event_type: WebhookEventType
    event_key: str
    data: dict


def body(event_type: WebhookEventType, data: dict, at: dt.datetime) -> str:
    """The JSON every attempt of one message sends."""
    return json.dumps({"type": event_type.value, "timestamp": at.astimezone(dt.UTC).isoformat(), "data": data},
                      separators=(",", ":"))


def emit(session: Session, emissions: Iterable[Emission], now: dt.datetime) -> list[int]:
    """Write the messages (one INSERT; one already written for its event is left alone); the ids
    of those written, for the send jobs to start after the commit."""
    rows = [{"endpoint_id": e.endpoint_id, "msg_id": new_msg_id(), "event_type": e.event_type.value,
             "event_key": e.event_key, "payload": body(e.event_type, e.data, now),
             "status": WebhookMessageStatus.PENDING.value, "attempt_count": 0, "next_attempt_at": now,
             "created_at": now} for e in emissions]
    if not rows:
        return []
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(WebhookMessage.__table__).values(rows)
                 .on_conflict_do_nothing(index_elements=["endpoint_id", "event_key"])
                 .returning(WebhookMessage.__table__.c.id))
    return sorted(connection.execute(statement).scalars())


def listening_endpoints(session: Session, event_type: WebhookEventType, *, lock: bool = False
                        ) -> list[tuple[WebhookEndpoint, frozenset[int] | None]]:
    """Enabled endpoints that want ``event_type``, each with its schools (None: every school).
    ``lock``: rows another worker holds are skipped (PostgreSQL), so two pumps never share one."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.status == EndpointStatus.ENABLED.value) \
        .order_by(WebhookEndpoint.id)
    if lock:
        query = query.with_for_update(skip_locked=True)
    endpoints = [e for e in session.execute(query).scalars() if event_type.value in (e.event_types or [])]
    return [(endpoint, schools) for endpoint, schools in
            zip(endpoints, schools_of(session, [e.id for e in endpoints]).values(), strict=True)]


def schools_of(session: Session, endpoint_ids: list[int]) -> dict[int, frozenset[int] | None]:
    """Each endpoint's schools, in the order given; None for one that names none (every school)."""
    found: dict[int, set[int]] = defaultdict(set)
    if endpoint_ids:
        for endpoint_id, school_id in session.execute(
                select(WebhookEndpointSchool.endpoint_id, WebhookEndpointSchool.school_id)
                .where(WebhookEndpointSchool.endpoint_id.in_(endpoint_ids))):
            found[endpoint_id].add(school_id)
    return {endpoint_id: frozenset(found[endpoint_id]) if endpoint_id in found else None
            for endpoint_id in endpoint_ids}


def message_schools(session: Session, messages: list) -> dict[int, frozenset[int]]:
    """The schools a message concerns, by the rule that scopes reading it (domain.access.message_scope):
    its sender's schools and the school it was sent as."""
    senders = {m.sender_id for m in messages}
    by_sender: dict[int, set[int]] = defaultdict(set)
    if senders:
        for user_id, school_id in session.execute(select(UserSchool.user_id, UserSchool.school_id)
                                                  .where(UserSchool.user_id.in_(senders))):
            by_sender[user_id].add(school_id)
    return {m.id: frozenset(by_sender[m.sender_id] | ({m.send_as_school_id} if m.send_as_school_id else set()))
            for m in messages}


#: A message's delivery counts per school (None: no school, or not split) and status.
CountsBySchool = dict[int | None, dict[str, int]]


def delivery_counts(session: Session, message_ids: list[int], *, by_school: bool) -> dict[int, CountsBySchool]:
    """Each message's deliveries per school and status in one grouped statement (the school a
    delivery counts at: domain.access.scope.delivery_school, the feed's ``schoolId``); without
    ``by_school``, all under None (no per-school lookup when no endpoint needs it)."""
    counts: dict[int, CountsBySchool] = {message_id: defaultdict(dict) for message_id in message_ids}
    rows = select(Delivery.message_id, Delivery.status,
                  (delivery_school() if by_school else literal(None, Integer)).label("school_id")) \
        .where(Delivery.message_id.in_(message_ids)).subquery()
    for message_id, school_id, status, count in session.execute(
            select(rows.c.message_id, rows.c.school_id, rows.c.status, func.count())
            .group_by(rows.c.message_id, rows.c.school_id, rows.c.status)):
        counts[message_id][school_id][status] = count
    return counts


@dataclasses.dataclass(frozen=True)
class CompletedFigures:
    """What message.completed tells one endpoint of one message."""

    delivery_counts: dict[str, int]
    school_ids: frozenset[int]


def figures_for(endpoint_schools: frozenset[int] | None, counts: CountsBySchool,
                message_schools: frozenset[int]) -> CompletedFigures | None:
    """An endpoint of every school: every delivery, and the schools the message concerns. An endpoint
    of some schools: the deliveries at those schools alone, and those of them that had any; None
    (no message.completed) when none had any, as its delivery.updated would carry none of them:
    the counts never disclose other schools' recipients."""
    if endpoint_schools is None:
        parts, school_ids = list(counts.values()), message_schools
    else:
        school_ids = frozenset(school for school in counts if school in endpoint_schools)
        if not school_ids:
            return None
        parts = [counts[school] for school in school_ids]
    total: dict[str, int] = defaultdict(int)
    for part in parts:
        for status, count in part.items():
            total[status] += count
    return CompletedFigures(dict(sorted(total.items())), school_ids)


def completed_emissions(session: Session, message_ids: Collection[int]) -> list[Emission]:
    """message.completed for each of these messages that is COMPLETED, to every listening endpoint
    that existed when it completed and, for one limited to schools, whose schools had a delivery of
    it (figures_for); at most five statements, however many endpoints and deliveries."""
    endpoints = listening_endpoints(session, WebhookEventType.MESSAGE_COMPLETED)
    if not endpoints or not message_ids:
        return []
    messages = session.execute(select(Message.id, Message.sender_id, Message.send_as_school_id, Message.completed_at,
                                      Message.created_at)
                               .where(Message.id.in_(sorted(message_ids)),
                                      Message.status == MessageStatus.COMPLETED.value)).all()
    if not messages:
        return []
    counts = delivery_counts(session, [m.id for m in messages],
                             by_school=any(schools is not None for _, schools in endpoints))
    concerned = message_schools(session, messages) if any(schools is None for _, schools in endpoints) else {}
    emissions = []
    for endpoint, endpoint_schools in endpoints:
        for m in messages:
            completed_at = m.completed_at or m.created_at
            if completed_at < endpoint.created_at:
                continue
            figures = figures_for(endpoint_schools, counts[m.id], concerned.get(m.id, frozenset()))
            if figures is None:
                continue
            emissions.append(Emission(endpoint.id, WebhookEventType.MESSAGE_COMPLETED, f"message.completed:{m.id}", {
                "messageId": global_id(Kind.MESSAGE, m.id),
                "completedAt": completed_at.astimezone(dt.UTC).isoformat(),
                "deliveryCounts": figures.delivery_counts,
                "schoolIds": [global_id(Kind.SCHOOL, s) for s in sorted(figures.school_ids)]}))
    return emissions


def emit_completed(session: Session, message_ids: Collection[int], now: dt.datetime) -> list[int]:
    """Write message.completed for these messages; the new webhook messages' ids."""
    return emit(session, completed_emissions(session, message_ids), now)
