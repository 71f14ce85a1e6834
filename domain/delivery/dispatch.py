"""Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.

Three steps: ``claim`` (one conditional UPDATE, QUEUED → SENDING; only the rows this call claimed
are sent, so two workers given the same ids never send the same delivery twice, and a delivery
already SENT is never sent again, JOB-05), ``send`` (the plugin gets only what its declared
capabilities allow, domain.delivery.policy), and ``record`` (what each outcome does to its row is
decided by the pure ``decide``, then written in bulk, domain.delivery.sending.ledger_writes).

A plugin that raises for a batch does not fail it whole: domain.delivery.sending.plugin_batches finds the envelope
at fault, which alone fails (issue 13 point 10).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import Row, and_, bindparam, case, delete, exists, func, not_, select, true, update
from sqlalchemy.engine import Engine

from channels.base import ChannelKind, Envelope, Outcome, PermanentFailure
from channels.registry import ChannelRegistry
from domain.delivery import progress_events
from domain.delivery.sending.envelopes import CLAIM_COLUMNS, Links, build_envelopes
from domain.delivery.lanes import Lane, lane_of
from domain.delivery.sending.ledger_writes import id_in, write_attempts, write_outcomes
from domain.delivery.sending.pacing import Pacer, group_size
from domain.delivery.sending.plugin_batches import send_batch
from domain.delivery.sending.decisions import SENT, STEP_ASIDE_SECONDS, SteppedAside, decide
from domain.delivery.policy import (
    complete_messages_with_nothing_open,
    complete_when_nothing_open,
    sent_by_queue_runs_only,
)
from domain.delivery.services import DeliveryServices
from domain.inbound.optouts import record_opt_out
from domain.reenrolment.status_updates import note_failed_calls
from domain.support.channel_kinds import CHANNEL_KIND
from models.db import session_scope, utcnow
from models.messaging import (
    OPEN_DELIVERY_STATUSES,
    Channel,
    ChannelOptOut,
    Delivery,
    DeliveryStatus as DS,
    Message,
    MessageStatus,
)
from models.devices import PushSubscription


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
        .returning(*CLAIM_COLUMNS)
    ).all()
    settle(session, Counter(row.message_id for row in rows if row.status == DS.OPTED_OUT.value), now)
    return sorted((row for row in rows if row.status == DS.SENDING.value), key=lambda row: row.id)


def settle(session, settled_per_message: Counter, now) -> list[int]:
    """Lower each message's count of open deliveries by those that just reached a final status,
    and complete the message when none is left (one statement per message). Returns the messages
    this completed."""
    completed = []
    for message_id, settled in settled_per_message.items():
        if not settled:
            continue
        remaining = Message.open_deliveries - settled
        completed_at = session.connection().execute(
            update(Message.__table__).where(Message.id == message_id).values(
                open_deliveries=remaining, **complete_when_nothing_open(remaining, now))
            .returning(Message.completed_at)).scalar()
        if completed_at == now:
            completed.append(message_id)
    return completed


# --- 1. claim -----------------------------------------------------------------------------------


def claim(engine: Engine, delivery_ids: list[int], links: Links) -> list[tuple[Row, Envelope]]:
    """QUEUED → SENDING for the given ids; the rows this call now owns, each with its envelope."""
    with session_scope(engine) as session:
        claimed = _claim_rows(session, delivery_ids, utcnow())
        return build_envelopes(session, claimed, links) if claimed else []


# --- 2. send ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PluginCall:
    """One channel's claimed rows, what its plugin answered for each (in order), and when."""

    plugin: str
    rows: list[Row]
    outcomes: list[Outcome | SteppedAside]
    finished: dt.datetime


def send(registry: ChannelRegistry, claimed: list[tuple[Row, Envelope]], pacer: Pacer) -> list[PluginCall]:
    """Hand each channel's envelopes to its plugin; one outcome per row, in the rows' order."""
    by_kind: dict[ChannelKind, list[tuple[Row, Envelope]]] = defaultdict(list)
    for row, envelope in claimed:
        by_kind[CHANNEL_KIND[Channel(row.channel)]].append((row, envelope))
    calls = []
    for kind, pairs in by_kind.items():
        plugin_name, outcomes = _call_plugin(registry, kind, [envelope for _, envelope in pairs], pacer)
        calls.append(PluginCall(plugin_name, [row for row, _ in pairs], outcomes, utcnow()))
    return calls


def _call_plugin(registry: ChannelRegistry, kind: ChannelKind, envelopes: list[Envelope],
                 pacer: Pacer) -> tuple[str, list[Outcome | SteppedAside]]:
    """The plugin's outcome for each envelope, in order: it is handed only what its capabilities
    allow (``Capabilities.fit``), in batches of at most its ``max_batch``."""
    plugin = registry.for_kind(kind)
    if plugin is None:
        return "none", [PermanentFailure(e.reference, "CHANNEL_NOT_CONFIGURED") for e in envelopes]
    batches, refused = plugin.capabilities.fit(envelopes)
    outcomes: list[Outcome | SteppedAside] = list(refused)
    for batch in batches:
        outcomes += _paced_send(plugin, batch, pacer)
    by_reference = {outcome.reference: outcome for outcome in outcomes}
    return plugin.name, [
        by_reference.get(e.reference) or PermanentFailure(e.reference, "PLUGIN_NO_OUTCOME") for e in envelopes
    ]


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
    if row is None or sent_by_queue_runs_only(row.channel):  # push steps aside in _paced_send, for a queue run
        return False
    if CHANNEL_KIND[Channel(row.channel)] not in paced:
        return False
    return lane_of(emergency=row.emergency, priority=False, channel=row.channel) is not Lane.EMERGENCY


def _paced_send(plugin, envelopes: list[Envelope], pacer: Pacer) -> list[Outcome | SteppedAside]:
    """The plugin's declared rate holds across every worker, and emergency calls and SMS go first
    (domain.delivery.sending.pacing): other traffic stops before its next group while any emergency is pending."""
    rate = plugin.capabilities.rate_per_second
    if not rate:
        return send_batch(plugin, envelopes)
    outcomes: list[Outcome | SteppedAside] = []
    size = group_size(rate)
    for start in range(0, len(envelopes), size):
        group = envelopes[start:start + size]
        if not _is_urgent(group[0]) and pacer.must_step_aside():
            return outcomes + [SteppedAside(envelope.reference) for envelope in envelopes[start:]]
        pacer.wait_for_slots(plugin.name, rate, len(group))
        outcomes.extend(send_batch(plugin, group, rate, pacer))
    return outcomes


# --- 3. record (each outcome's LedgerChange: domain.delivery.sending.decisions) -----------------


@dataclasses.dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retry_ids: list[int] = dataclasses.field(default_factory=list)
    retry_delay_seconds: float = 0.0
    message_ids: set[int] = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class _Writes:
    """The bulk statements' rows for one dispatch (domain.delivery.sending.ledger_writes)."""

    attempts: list[dict] = dataclasses.field(default_factory=list)
    outcomes: list[tuple] = dataclasses.field(default_factory=list)  # (id, status, provider_id, code, detail)
    retries: list[dict] = dataclasses.field(default_factory=list)
    stepped_aside: list[int] = dataclasses.field(default_factory=list)
    opted_out: list[tuple[Channel, str]] = dataclasses.field(default_factory=list)
    unreachable_calls: list[int] = dataclasses.field(default_factory=list)
    gone: set[str] = dataclasses.field(default_factory=set)
    settled: Counter = dataclasses.field(default_factory=Counter)  # per message: deliveries now final


def _writes(calls: list[PluginCall], started: dt.datetime, result: DispatchResult) -> _Writes:
    """Decide every outcome and gather what it writes, in one pass (it runs once per delivery)."""
    writes = _Writes()
    queued, sent_status = DS.QUEUED.value, DS.SENT.value
    for call in calls:
        for row, outcome in zip(call.rows, call.outcomes, strict=True):
            change = decide(row, outcome)
            result.message_ids.add(row.message_id)
            if change.retry_in is not None and not sent_by_queue_runs_only(row.channel):
                result.retry_ids.append(row.id)  # a push retry waits for a queue run (JOB-04)
                result.retry_delay_seconds = max(result.retry_delay_seconds, change.retry_in)
            if change.attempt is None:  # back to the queue, no attempt spent
                writes.stepped_aside.append(row.id)
                continue
            provider_id = getattr(outcome, "provider_id", None)
            writes.outcomes.append((row.id, change.status, provider_id, change.code, change.detail))
            writes.attempts.append({
                "delivery_id": row.id, "plugin": call.plugin, "outcome": change.attempt,
                "provider_id": provider_id, "code": None if change is SENT else getattr(outcome, "code", None),
                "detail": None if change is SENT else getattr(outcome, "detail", None), "started_at": started, "finished_at": call.finished})
            writes.gone.update(getattr(outcome, "gone", ()))
            if change.status == sent_status:
                result.sent += 1
            elif change.status != queued:
                result.failed += 1
            if change.status == queued:
                writes.retries.append({"retry_id": row.id,
                                       "retry_at": call.finished + dt.timedelta(seconds=change.retry_in)})
            else:
                writes.settled[row.message_id] += 1
            if change.opts_out:
                writes.opted_out.append((Channel(row.channel), row.address))
            if change.unreachable_call:
                writes.unreachable_calls.append(row.id)
    return writes


def record(engine: Engine, writes: _Writes) -> list[int]:
    """One transaction: a bulk insert of attempts and a bulk update of every delivery's outcome (a
    delivery queued again for a retry also gets the retry's time as not_before, so the queue run
    does not hurry it), what follows from them, and the messages' completion (those it completed
    are returned)."""
    with session_scope(engine) as session:
        now = utcnow()
        connection = session.connection()
        write_attempts(connection, writes.attempts)
        write_outcomes(connection, writes.outcomes, now)
        if writes.retries:
            connection.execute(update(Delivery).where(Delivery.id == bindparam("retry_id"))
                               .values(not_before=bindparam("retry_at")), writes.retries)
        _requeue_stepped_aside(session, writes.stepped_aside, now)
        note_failed_calls(session, writes.unreachable_calls)  # for the status-updates job (JOB-06)
        for channel, address in writes.opted_out:
            record_opt_out(session, channel, address, source="the provider: the recipient opted out")
        if writes.gone:  # push endpoints the service says are gone (404/410)
            session.execute(delete(PushSubscription).where(PushSubscription.endpoint.in_(sorted(writes.gone))))
        return settle(session, writes.settled, now)


def dispatch_deliveries(engine: Engine, registry: ChannelRegistry, delivery_ids: list[int],
                        services: DeliveryServices) -> DispatchResult:
    """Send the given deliveries that are still queued; record one attempt and outcome each.
    Two transactions: claim (with the envelopes' context), then record (with completion).
    ``services``: the process's pacer, progress bus and links (the shell's runtime)."""
    result = DispatchResult()
    if _waits_for_emergency(engine, registry, delivery_ids, services.pacer):
        result.retry_ids, result.retry_delay_seconds = list(delivery_ids), STEP_ASIDE_SECONDS
        return result
    claimed = claim(engine, delivery_ids, services.links)
    result.claimed = len(claimed)
    if not claimed:
        return result
    # The claim moved them to SENDING: followers (the delivery feed, messageProgress) hear of it now,
    # not only once the whole chunk has been handed to the provider.
    progress_events.publish(services.events, {row.message_id for row, _ in claimed})
    started = utcnow()
    completed = record(engine, _writes(send(registry, claimed, services.pacer), started, result))
    progress_events.publish(services.events, result.message_ids)
    if services.ledger_changed is not None:
        services.ledger_changed(result.message_ids, completed)
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
    return complete_messages_with_nothing_open(session, Message.fanned_out_at.is_not(None), now=utcnow())
