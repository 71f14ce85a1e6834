"""Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.

A delivery is claimed by one conditional UPDATE (QUEUED → SENDING); only the rows this call
claimed are sent, so two workers given the same ids never send the same delivery twice, and a
delivery already SENT is never sent again (JOB-05).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Engine

from channels.base import (
    ChannelKind,
    EmailEnvelope,
    Envelope,
    Outcome,
    PermanentFailure,
    PushEnvelope,
    Retryable,
    Sent,
    SmsEnvelope,
    VoiceEnvelope,
)
from channels.registry import ChannelRegistry
from models.db import session_scope, utcnow
from models.directory import District, School, User
from models.messaging import (
    OPEN_DELIVERY_STATUSES,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus as DS,
    Message,
    MessageStatus,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CHANNEL_KIND = {
    Channel.EMAIL: ChannelKind.EMAIL,
    Channel.SMS: ChannelKind.SMS,
    Channel.VOICE: ChannelKind.VOICE,
    Channel.PUSH: ChannelKind.PUSH,
}


@dataclasses.dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retry_ids: list[int] = dataclasses.field(default_factory=list)
    retry_delay_seconds: float = 0.0
    message_ids: set[int] = dataclasses.field(default_factory=set)


def claim(engine: Engine, delivery_ids: list[int]) -> list[int]:
    """QUEUED → SENDING for the given ids; returns the ids this call now owns."""
    with session_scope(engine) as session:
        rows = session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == DS.QUEUED.value)
            .values(status=DS.SENDING.value, attempts=Delivery.attempts + 1, updated_at=utcnow())
            .returning(Delivery.id)
        ).scalars().all()
    return sorted(rows)


def sender_display_name(message: Message, sender: User, district: District, school: School | None) -> str:
    """RPT-03 / CMP-13 / CMP-14: district, school, or the sending user."""
    if message.send_as_district:
        return district.name
    if school is not None:
        return school.name
    return f"{sender.first_name} {sender.last_name}"


def build_envelopes(engine: Engine, claimed_ids: list[int]) -> list[tuple[Delivery, Envelope]]:
    with session_scope(engine) as session:
        deliveries = session.execute(select(Delivery).where(Delivery.id.in_(claimed_ids))).scalars().all()
        message_ids = {delivery.message_id for delivery in deliveries}
        messages = {m.id: m for m in session.execute(select(Message).where(Message.id.in_(message_ids))).scalars()}
        senders = {u.id: u for u in session.execute(
            select(User).where(User.id.in_({m.sender_id for m in messages.values()}))).scalars()}
        schools = {s.id: s for s in session.execute(select(School).where(School.id.in_(
            {m.send_as_school_id for m in messages.values() if m.send_as_school_id}))).scalars()}
        district = session.execute(select(District).limit(1)).scalars().one()
    pairs = []
    for delivery in deliveries:
        message = messages[delivery.message_id]
        from_name = sender_display_name(
            message, senders[message.sender_id], district, schools.get(message.send_as_school_id))
        pairs.append((delivery, _envelope(delivery, message, from_name, district)))
    return pairs


def _envelope(delivery: Delivery, message: Message, from_name: str, district: District) -> Envelope:
    common = dict(
        reference=str(delivery.id), message_id=message.id, to=delivery.address,
        recipient_name=delivery.recipient_name, language=delivery.language, emergency=message.emergency,
    )
    channel = Channel(delivery.channel)
    if channel is Channel.EMAIL:
        return EmailEnvelope(**common, from_name=from_name, subject=message.subject,
                             html_body=message.html_body, text_body=message.text_body)
    if channel is Channel.SMS:
        text = f"{message.subject}: {message.text_body}"
        return SmsEnvelope(**common, text=text[: district.sms_character_limit])
    if channel is Channel.VOICE:
        return VoiceEnvelope(**common, script=f"Message from {from_name}. {message.subject}. {message.text_body}")
    # Push carries only a notification id and a generic title; the app fetches the content.
    return PushEnvelope(**common, title=f"New message from {from_name}", notification_id=str(delivery.id))


def _call_plugin(registry: ChannelRegistry, kind: ChannelKind, envelopes: list[Envelope]) -> tuple[str, list[Outcome]]:
    plugin = registry.for_kind(kind)
    if plugin is None:
        return "none", [PermanentFailure(e.reference, "CHANNEL_NOT_CONFIGURED") for e in envelopes]
    try:
        outcomes = plugin.send(envelopes)
    except Exception as error:  # a plugin bug must not lose the batch
        log.exception("plugin %s raised while sending %d envelopes", plugin.name, len(envelopes))
        return plugin.name, [Retryable(e.reference, 60.0, "PLUGIN_ERROR", type(error).__name__) for e in envelopes]
    by_reference = {outcome.reference: outcome for outcome in outcomes}
    return plugin.name, [
        by_reference.get(e.reference) or PermanentFailure(e.reference, "PLUGIN_NO_OUTCOME") for e in envelopes
    ]


def dispatch_deliveries(engine: Engine, registry: ChannelRegistry, delivery_ids: list[int]) -> DispatchResult:
    """Send the given deliveries that are still queued; record one attempt and outcome each."""
    result = DispatchResult()
    claimed_ids = claim(engine, delivery_ids)
    result.claimed = len(claimed_ids)
    if not claimed_ids:
        return result
    pairs = build_envelopes(engine, claimed_ids)
    by_kind: dict[ChannelKind, list[tuple[Delivery, Envelope]]] = defaultdict(list)
    for delivery, envelope in pairs:
        by_kind[CHANNEL_KIND[Channel(delivery.channel)]].append((delivery, envelope))
    updates, attempts = [], []
    now = utcnow()
    for kind, kind_pairs in by_kind.items():
        plugin_name, outcomes = _call_plugin(registry, kind, [envelope for _, envelope in kind_pairs])
        for (delivery, _), outcome in zip(kind_pairs, outcomes):
            result.message_ids.add(delivery.message_id)
            update_row = {"b_id": delivery.id, "b_provider_id": None, "b_code": None, "b_sent_at": None,
                          "b_reason": None}
            if isinstance(outcome, Sent):
                update_row.update(b_status=DS.SENT.value, b_provider_id=outcome.provider_id, b_sent_at=now)
                result.sent += 1
            elif isinstance(outcome, Retryable) and delivery.attempts < MAX_ATTEMPTS:
                update_row.update(b_status=DS.QUEUED.value, b_code=outcome.code, b_reason=outcome.detail)
                result.retry_ids.append(delivery.id)
                result.retry_delay_seconds = max(result.retry_delay_seconds, outcome.delay_seconds)
            else:
                code = outcome.code if not isinstance(outcome, Sent) else None
                update_row.update(b_status=DS.FAILED.value, b_code=code or "RETRIES_EXHAUSTED",
                                  b_reason=getattr(outcome, "detail", None))
                result.failed += 1
            updates.append(update_row)
            attempts.append({
                "delivery_id": delivery.id, "plugin": plugin_name, "outcome": type(outcome).__name__,
                "provider_id": getattr(outcome, "provider_id", None), "code": getattr(outcome, "code", None),
                "detail": (getattr(outcome, "detail", None) or None), "started_at": now, "finished_at": utcnow(),
            })
    with session_scope(engine) as session:
        session.connection().execute(
            update(Delivery.__table__)
            .where(Delivery.__table__.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), provider_id=bindparam("b_provider_id"),
                    error_code=bindparam("b_code"), reason=bindparam("b_reason"),
                    sent_at=bindparam("b_sent_at"), updated_at=now),
            updates,
        )
        session.execute(insert(DeliveryAttempt), attempts)
    for message_id in result.message_ids:
        complete_if_done(engine, message_id)
    return result


def complete_if_done(engine: Engine, message_id: int) -> bool:
    """Mark the message COMPLETED once no delivery can change any more."""
    with session_scope(engine) as session:
        open_count = session.execute(
            select(func.count()).select_from(Delivery).where(
                Delivery.message_id == message_id,
                Delivery.status.in_([status.value for status in OPEN_DELIVERY_STATUSES]))
        ).scalar_one()
        if open_count:
            return False
        done = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.SENDING.value)
            .values(status=MessageStatus.COMPLETED.value, completed_at=utcnow())
        ).rowcount
    return bool(done)
