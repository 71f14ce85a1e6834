"""Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.

A delivery is claimed by one conditional UPDATE (QUEUED → SENDING); only the rows this call
claimed are sent, so two workers given the same ids never send the same delivery twice, and a
delivery already SENT is never sent again (JOB-05).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict

from sqlalchemy import Row, exists, func, insert, select, update
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
    ChannelOptOut,
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


_CLAIMED_COLUMNS = (Delivery.id, Delivery.message_id, Delivery.channel, Delivery.address,
                    Delivery.recipient_name, Delivery.language, Delivery.attempts)


def claim(engine: Engine, delivery_ids: list[int]) -> list[Row]:
    """QUEUED → SENDING for the given ids; returns the rows this call now owns. An address that
    opted out after fan-out (an SMS STOP, an unsubscribe) is marked OPTED_OUT instead of sent."""
    with session_scope(engine) as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == DS.QUEUED.value,
                   exists(select(ChannelOptOut.address).where(
                       ChannelOptOut.channel == Delivery.channel,
                       ChannelOptOut.address == func.lower(Delivery.address))))
            .values(status=DS.OPTED_OUT.value, reason="opted out after the message was planned",
                    updated_at=utcnow())
        )
        rows = session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == DS.QUEUED.value)
            .values(status=DS.SENDING.value, attempts=Delivery.attempts + 1, updated_at=utcnow())
            .returning(*_CLAIMED_COLUMNS)
        ).all()
    return sorted(rows, key=lambda row: row.id)


def sender_display_name(message: Message, sender: User, district: District, school: School | None) -> str:
    """RPT-03 / CMP-13 / CMP-14: district, school, or the sending user."""
    if message.send_as_district:
        return district.name
    if school is not None:
        return school.name
    return f"{sender.first_name} {sender.last_name}"


def build_envelopes(engine: Engine, claimed: list[Row]) -> list[tuple[Row, Envelope]]:
    """Envelopes for claimed rows; messages, senders and schools are loaded once per chunk."""
    message_ids = {row.message_id for row in claimed}
    with session_scope(engine) as session:
        messages = {m.id: m for m in session.execute(select(Message).where(Message.id.in_(message_ids))).scalars()}
        senders = {u.id: u for u in session.execute(
            select(User).where(User.id.in_({m.sender_id for m in messages.values()}))).scalars()}
        schools = {s.id: s for s in session.execute(select(School).where(School.id.in_(
            {m.send_as_school_id for m in messages.values() if m.send_as_school_id}))).scalars()}
        district = session.execute(select(District).limit(1)).scalars().one()
    from_names = {
        m.id: sender_display_name(m, senders[m.sender_id], district, schools.get(m.send_as_school_id))
        for m in messages.values()
    }
    return [(row, _envelope(row, messages[row.message_id], from_names[row.message_id], district))
            for row in claimed]


def _envelope(delivery: Row, message: Message, from_name: str, district: District) -> Envelope:
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


def _latest_attempt(column):
    """The value of ``column`` on the delivery's newest attempt (just written for this dispatch)."""
    return (
        select(column)
        .where(DeliveryAttempt.delivery_id == Delivery.id)
        .order_by(DeliveryAttempt.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _record(engine: Engine, attempts: list[dict], by_status: dict[DS, list[int]], now, retry_at) -> None:
    """One bulk insert of attempts, then one set-based UPDATE per resulting status. A delivery
    queued again for a retry carries the retry's time, so the queue run does not hurry it."""
    carried = {key: any(attempt[key] is not None for attempt in attempts) for key in ("provider_id", "code", "detail")}
    with session_scope(engine) as session:
        session.execute(insert(DeliveryAttempt), attempts)
        for status, ids in by_status.items():
            if not ids:
                continue
            values = {"status": status.value, "updated_at": now,
                      "provider_id": _latest_attempt(DeliveryAttempt.provider_id) if carried["provider_id"] else None,
                      "error_code": _latest_attempt(DeliveryAttempt.code) if carried["code"] else None,
                      "reason": _latest_attempt(DeliveryAttempt.detail) if carried["detail"] else None}
            if status is DS.SENT:
                values["sent_at"] = now
            if status is DS.QUEUED:
                values["not_before"] = retry_at
            if status is DS.FAILED:
                values["error_code"] = func.coalesce(_latest_attempt(DeliveryAttempt.code), "RETRIES_EXHAUSTED")
            session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(**values))


def dispatch_deliveries(engine: Engine, registry: ChannelRegistry, delivery_ids: list[int]) -> DispatchResult:
    """Send the given deliveries that are still queued; record one attempt and outcome each."""
    result = DispatchResult()
    claimed = claim(engine, delivery_ids)
    result.claimed = len(claimed)
    if not claimed:
        return result
    by_kind: dict[ChannelKind, list[tuple[Row, Envelope]]] = defaultdict(list)
    for row, envelope in build_envelopes(engine, claimed):
        by_kind[CHANNEL_KIND[Channel(row.channel)]].append((row, envelope))
    by_status: dict[DS, list[int]] = {DS.SENT: [], DS.QUEUED: [], DS.FAILED: []}
    attempts = []
    now = utcnow()
    for kind, kind_pairs in by_kind.items():
        plugin_name, outcomes = _call_plugin(registry, kind, [envelope for _, envelope in kind_pairs])
        finished = utcnow()
        for (row, _), outcome in zip(kind_pairs, outcomes, strict=True):
            result.message_ids.add(row.message_id)
            if isinstance(outcome, Sent):
                by_status[DS.SENT].append(row.id)
                result.sent += 1
            elif isinstance(outcome, Retryable) and row.attempts < MAX_ATTEMPTS:
                by_status[DS.QUEUED].append(row.id)
                result.retry_ids.append(row.id)
                result.retry_delay_seconds = max(result.retry_delay_seconds, outcome.delay_seconds)
            else:
                by_status[DS.FAILED].append(row.id)
                result.failed += 1
            attempts.append({
                "delivery_id": row.id, "plugin": plugin_name, "outcome": type(outcome).__name__,
                "provider_id": getattr(outcome, "provider_id", None), "code": getattr(outcome, "code", None),
                "detail": getattr(outcome, "detail", None), "started_at": now, "finished_at": finished,
            })
    recorded = utcnow()
    _record(engine, attempts, by_status, recorded, recorded + dt.timedelta(seconds=result.retry_delay_seconds))
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
