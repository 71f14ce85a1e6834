"""Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.

A delivery is claimed by one conditional UPDATE (QUEUED → SENDING); only the rows this call
claimed are sent, so two workers given the same ids never send the same delivery twice, and a
delivery already SENT is never sent again (JOB-05).

A plugin that raises for a batch does not fail it whole: domain.delivery.plugin_batches finds the envelope
at fault, which alone fails (issue 13 point 10).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter, defaultdict

from sqlalchemy import Row, and_, bindparam, case, delete, exists, func, not_, select, true, update
from sqlalchemy.engine import Engine

from channels.base import OPTED_OUT, UNREACHABLE, ChannelKind, Envelope, Outcome, PermanentFailure, Retryable, Sent
from channels.registry import ChannelRegistry
from domain.delivery import progress_events
from domain.delivery.envelopes import CLAIM_COLUMNS, build_envelopes
from domain.delivery.lanes import Lane, lane_of
from domain.delivery.ledger_writes import id_in, write_attempts, write_outcomes
from domain.inbound.optouts import record_opt_out
from domain.delivery.pacing import Pacer, group_size
from domain.delivery.plugin_batches import send_batch
from domain.delivery.services import DeliveryServices
from domain.reenrolment.status_updates import note_failed_calls
from models.db import session_scope, utcnow
from models.messaging import (
    OPEN_DELIVERY_STATUSES,
    Channel,
    ChannelOptOut,
    Delivery,
    DeliveryStatus as DS,
    Message,
    MessageStatus,
    PushSubscription,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: How long deliveries that stepped aside for emergency traffic wait before trying again.
STEP_ASIDE_SECONDS = 1.0
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def retry_delay_seconds(attempts: int, provider_hint: float | None) -> float:
    """A provider's Retry-After wins; else 30 s, 60 s, 120 s … (doubling per attempt, at most an
    hour)."""
    if provider_hint is not None and provider_hint >= 0:
        return float(provider_hint)
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))
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


_CLAIMED_COLUMNS = CLAIM_COLUMNS


def _claim_rows(session, delivery_ids: list[int], now) -> list[Row]:
    """One UPDATE … RETURNING: QUEUED → SENDING for the given ids, or → OPTED_OUT for an address
    that opted out after fan-out (an SMS STOP, an unsubscribe; an emergency SMS is still sent, as
    at resolution). Returns the rows now SENDING."""
    emergency_sms = and_(ChannelOptOut.channel == Channel.SMS.value, exists(select(Message.id).where(
        Message.id == Delivery.message_id, Message.emergency == true()).correlate_except(Message)))
    opted_out = exists(select(ChannelOptOut.address).where(
        ChannelOptOut.channel == Delivery.channel, ChannelOptOut.address == func.lower(Delivery.address),
        not_(emergency_sms)))
    connection = session.connection()  # Core: the ORM's bulk-update bookkeeping is not needed here
    rows = connection.execute(
        update(Delivery.__table__)
        .where(id_in(Delivery.id, delivery_ids, connection.dialect.name),
               Delivery.status == DS.QUEUED.value)
        .values(status=case((opted_out, DS.OPTED_OUT.value), else_=DS.SENDING.value),
                reason=case((opted_out, "opted out after the message was planned"), else_=Delivery.reason),
                attempts=Delivery.attempts + case((opted_out, 0), else_=1), updated_at=now)
        .returning(*_CLAIMED_COLUMNS)
    ).all()
    settle(session, Counter(row.message_id for row in rows if row.status == DS.OPTED_OUT.value), now)
    return sorted((row for row in rows if row.status == DS.SENDING.value), key=lambda row: row.id)


def settle(session, settled_per_message: Counter, now) -> None:
    """Lower each message's count of open deliveries by those that just reached a final status,
    and complete the message when none is left (one statement per message)."""
    for message_id, settled in settled_per_message.items():
        if not settled:
            continue
        remaining = Message.open_deliveries - settled
        session.connection().execute(
            update(Message.__table__).where(Message.id == message_id).values(
                open_deliveries=remaining,
                status=case((and_(remaining <= 0, Message.status == MessageStatus.SENDING.value),
                             MessageStatus.COMPLETED.value), else_=Message.status),
                completed_at=case((and_(remaining <= 0, Message.status == MessageStatus.SENDING.value), now),
                                  else_=Message.completed_at)))


def claim(engine: Engine, delivery_ids: list[int]) -> list[Row]:
    """QUEUED → SENDING for the given ids; returns the rows this call now owns (see _claim_rows)."""
    with session_scope(engine) as session:
        return _claim_rows(session, delivery_ids, utcnow())


def _call_plugin(registry: ChannelRegistry, kind: ChannelKind, envelopes: list[Envelope],
                 pacer: Pacer) -> tuple[str, list[Outcome]]:
    plugin = registry.for_kind(kind)
    if plugin is None:
        return "none", [PermanentFailure(e.reference, "CHANNEL_NOT_CONFIGURED") for e in envelopes]
    outcomes = _paced_send(plugin, envelopes, pacer)
    by_reference = {outcome.reference: outcome for outcome in outcomes}
    return plugin.name, [
        by_reference.get(e.reference) or PermanentFailure(e.reference, "PLUGIN_NO_OUTCOME") for e in envelopes
    ]


@dataclasses.dataclass(frozen=True)
class _SteppedAside:
    """Not sent: a non-emergency envelope that stepped aside for emergency traffic (domain.delivery.pacing)."""

    reference: str


def _is_urgent(envelope: Envelope) -> bool:
    return lane_of(emergency=envelope.emergency, priority=False, channel=envelope.kind.name) is Lane.EMERGENCY


def _waits_for_emergency(engine: Engine, registry: ChannelRegistry, delivery_ids: list[int], pacer: Pacer) -> bool:
    """Before claiming: while emergency calls or SMS are pending, a chunk for a paced plugin that
    is not one of them waits as it is, untouched (a chunk is one channel of one lane). Nothing is
    read unless a plugin is paced; then one Redis read, and one lookup while the board holds any."""
    paced = {kind for kind in registry.kinds() if registry.for_kind(kind).capabilities.rate_per_second}
    if not delivery_ids or not paced or not pacer.must_step_aside():
        return False
    with session_scope(engine) as session:
        row = session.execute(select(Delivery.channel, Message.emergency)
                              .join(Message, Message.id == Delivery.message_id)
                              .where(Delivery.id == delivery_ids[0])).first()
    if row is None or row.channel == Channel.PUSH.value:  # push steps aside in _paced_send, for a queue run
        return False
    if CHANNEL_KIND[Channel(row.channel)] not in paced:
        return False
    return lane_of(emergency=row.emergency, priority=False, channel=row.channel) is not Lane.EMERGENCY


def _paced_send(plugin, envelopes: list[Envelope], pacer: Pacer) -> list[Outcome | _SteppedAside]:
    """The plugin's declared rate holds across every worker, and emergency calls and SMS go first
    (domain.delivery.pacing): other traffic stops before its next group while any emergency is pending."""
    rate = plugin.capabilities.rate_per_second
    if not rate:
        return send_batch(plugin, envelopes)
    outcomes: list[Outcome | _SteppedAside] = []
    size = group_size(rate)
    for start in range(0, len(envelopes), size):
        group = envelopes[start:start + size]
        if not _is_urgent(group[0]) and pacer.must_step_aside():
            return outcomes + [_SteppedAside(envelope.reference) for envelope in envelopes[start:]]
        pacer.wait_for_slots(plugin.name, rate, len(group))
        outcomes.extend(send_batch(plugin, group, rate, pacer))
    return outcomes


def _record(session, attempts: list[dict], outcomes: list[tuple], retries: list[dict], now) -> None:
    """One bulk insert of attempts and one bulk update of every delivery's outcome (id, status,
    provider_id, error_code, reason). A delivery queued again for a retry also gets the retry's
    time as not_before, so the queue run does not hurry it."""
    connection = session.connection()
    write_attempts(connection, attempts)
    write_outcomes(connection, outcomes, now)
    if retries:
        connection.execute(
            update(Delivery).where(Delivery.id == bindparam("retry_id")).values(not_before=bindparam("retry_at")),
            retries)


def dispatch_deliveries(engine: Engine, registry: ChannelRegistry, delivery_ids: list[int],
                        services: DeliveryServices) -> DispatchResult:
    """Send the given deliveries that are still queued; record one attempt and outcome each.
    Two transactions: claim (with the envelopes' context), then record (with completion).
    ``services``: the process's pacer, progress bus and links (the shell's runtime)."""
    result = DispatchResult()
    if _waits_for_emergency(engine, registry, delivery_ids, services.pacer):
        result.retry_ids, result.retry_delay_seconds = list(delivery_ids), STEP_ASIDE_SECONDS
        return result
    with session_scope(engine) as session:
        claimed = _claim_rows(session, delivery_ids, utcnow())
        result.claimed = len(claimed)
        if not claimed:
            return result
        pairs = build_envelopes(session, claimed, services.links)
    by_kind: dict[ChannelKind, list[tuple[Row, Envelope]]] = defaultdict(list)
    for row, envelope in pairs:
        by_kind[CHANNEL_KIND[Channel(row.channel)]].append((row, envelope))
    attempts, outcomes, retries, unreachable_calls, opted_out, stepped_aside = [], [], [], [], [], []
    gone: set[str] = set()
    started = utcnow()
    sent_status, queued_status, failed_status = DS.SENT.value, DS.QUEUED.value, DS.FAILED.value
    for kind, kind_pairs in by_kind.items():
        plugin_name, kind_outcomes = _call_plugin(registry, kind, [envelope for _, envelope in kind_pairs],
                                                  services.pacer)
        finished = utcnow()
        for (row, _), outcome in zip(kind_pairs, kind_outcomes, strict=True):
            result.message_ids.add(row.message_id)
            if type(outcome) is Sent:  # the common case first, with no attribute probing
                gone.update(outcome.gone)
                outcomes.append((row.id, sent_status, outcome.provider_id, None, None))
                attempts.append({"delivery_id": row.id, "plugin": plugin_name, "outcome": "Sent",
                                 "provider_id": outcome.provider_id, "code": None, "detail": None,
                                 "started_at": started, "finished_at": finished})
                result.sent += 1
                continue
            if type(outcome) is _SteppedAside:  # back to the queue, no attempt spent
                stepped_aside.append(row.id)
                if row.channel != Channel.PUSH.value:  # push waits for a queue run (JOB-04)
                    result.retry_ids.append(row.id)
                    result.retry_delay_seconds = max(result.retry_delay_seconds, STEP_ASIDE_SECONDS)
                continue
            gone.update(getattr(outcome, "gone", ()))
            provider_id, code, detail = (getattr(outcome, name, None) for name in ("provider_id", "code", "detail"))
            if isinstance(outcome, Retryable) and row.attempts < MAX_ATTEMPTS:
                delay = retry_delay_seconds(row.attempts, outcome.delay_seconds)
                outcomes.append((row.id, queued_status, provider_id, code, detail))
                retries.append({"retry_id": row.id, "retry_at": finished + dt.timedelta(seconds=delay)})
                if row.channel != Channel.PUSH.value:  # a push retry waits for a queue run (JOB-04)
                    result.retry_ids.append(row.id)
                    result.retry_delay_seconds = max(result.retry_delay_seconds, delay)
            elif isinstance(outcome, Sent):  # a plugin's subclass of Sent
                outcomes.append((row.id, sent_status, provider_id, None, None))
                result.sent += 1
            elif code == OPTED_OUT:  # the provider says the recipient opted out: never again
                outcomes.append((row.id, DS.OPTED_OUT.value, provider_id, code, detail))
                opted_out.append((Channel(row.channel), row.address))
                result.failed += 1
            else:
                outcomes.append((row.id, failed_status, provider_id, code or "RETRIES_EXHAUSTED", detail))
                result.failed += 1
                if code == UNREACHABLE and row.channel == Channel.VOICE.value:
                    unreachable_calls.append(row.id)
            attempts.append({
                "delivery_id": row.id, "plugin": plugin_name, "outcome": type(outcome).__name__,
                "provider_id": provider_id, "code": code, "detail": detail, "started_at": started,
                "finished_at": finished,
            })
    message_of = {row.id: row.message_id for row, _ in pairs}
    with session_scope(engine) as session:
        now = utcnow()
        _record(session, attempts, outcomes, retries, now)
        _requeue_stepped_aside(session, stepped_aside, now)
        note_failed_calls(session, unreachable_calls)  # for the status-updates job (JOB-06)
        for channel, address in opted_out:
            record_opt_out(session, channel, address, source="the provider: the recipient opted out")
        if gone:  # push endpoints the service says are gone (404/410)
            session.execute(delete(PushSubscription).where(PushSubscription.endpoint.in_(sorted(gone))))
        settle(session, Counter(message_of[delivery_id] for delivery_id, status, *_ in outcomes
                                if status != queued_status), now)
    progress_events.publish(services.events, result.message_ids)
    return result


def _requeue_stepped_aside(session, delivery_ids: list[int], now) -> None:
    """SENDING → QUEUED again for deliveries that were claimed but not handed to the provider,
    giving back the attempt the claim counted."""
    if not delivery_ids:
        return
    connection = session.connection()
    connection.execute(
        update(Delivery.__table__)
        .where(id_in(Delivery.id, delivery_ids, connection.dialect.name), Delivery.status == DS.SENDING.value)
        .values(status=DS.QUEUED.value, attempts=Delivery.attempts - 1, updated_at=now,
                not_before=now + dt.timedelta(seconds=STEP_ASIDE_SECONDS)))


def complete_if_done(engine: Engine, message_id: int) -> bool:
    """Mark the message COMPLETED when none of its deliveries is open any more."""
    with session_scope(engine) as session:
        return bool(session.connection().execute(
            update(Message.__table__)
            .where(Message.id == message_id, Message.status == MessageStatus.SENDING.value,
                   Message.open_deliveries <= 0)
            .values(status=MessageStatus.COMPLETED.value, completed_at=utcnow())
        ).rowcount)


def recount_open_deliveries(session) -> int:
    """Reconcile every sending message's counter with the ledger, the source of truth, and
    complete those with nothing open (run by the communication queue)."""
    open_rows = (select(func.count()).where(
        Delivery.message_id == Message.id,
        Delivery.status.in_([status.value for status in OPEN_DELIVERY_STATUSES])).scalar_subquery())
    connection = session.connection()
    connection.execute(update(Message.__table__).where(Message.status == MessageStatus.SENDING.value,
                                                       Message.fanned_out_at.is_not(None))
                       .values(open_deliveries=open_rows))
    return connection.execute(
        update(Message.__table__)
        .where(Message.status == MessageStatus.SENDING.value, Message.fanned_out_at.is_not(None),
               Message.open_deliveries <= 0)
        .values(status=MessageStatus.COMPLETED.value, completed_at=utcnow())
    ).rowcount
