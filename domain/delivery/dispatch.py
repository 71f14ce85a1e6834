"""Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.

Three steps: ``claim`` (one conditional UPDATE, QUEUED → SENDING, domain.delivery.sending.claims;
only the rows this call claimed are sent, so two workers given the same ids never send the same
delivery twice, and a delivery already SENT is never sent again, JOB-05), ``send`` (the plugin gets
only what its declared capabilities allow, domain.delivery.policy; signed links only when it renders
a body), and ``record`` (what each outcome does to its row is decided by the pure ``decide``, then
written with the attempts and the messages' counters in one statement on PostgreSQL,
domain.delivery.sending.ledger_writes).

A plugin that raises for a batch does not fail it whole: domain.delivery.sending.plugin_batches finds the envelope
at fault, which alone fails (issue 13 point 10).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.engine import Engine

from channels.base import ChannelKind, Envelope, Outcome, PermanentFailure
from channels.registry import ChannelRegistry
from domain.delivery import progress_events
from domain.delivery.sending.claims import claim_rows
from domain.delivery.sending.envelopes import Links, build_envelopes
from domain.delivery.lanes import Lane, lane_of
from domain.delivery.sending.ledger_writes import LedgerRow, id_in, record_in_one_statement, write_rows
from domain.delivery.sending.pacing import Pacer, group_size
from domain.delivery.sending.plugin_batches import send_batch
from domain.delivery.sending.decisions import SENT, STEP_ASIDE_SECONDS, LedgerChange, SteppedAside, decide
from domain.delivery.policy import (
    settle,
    complete_messages_with_nothing_open,
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
    Delivery,
    DeliveryStatus as DS,
    Message,
    MessageStatus,
)
from models.devices import PushSubscription


def _claim_rows(session, delivery_ids: list[int], now) -> list[Row]:
    """Claim the chunk (domain.delivery.sending.claims) and settle those that opted out since
    fan-out; returns the rows now SENDING."""
    rows = claim_rows(session.connection(), delivery_ids, now)
    opted_out = Counter(row.message_id for row in rows if row.status == DS.OPTED_OUT.value)
    if opted_out:
        settle(session, opted_out, now)
    return sorted((row for row in rows if row.status == DS.SENDING.value), key=lambda row: row.id)


# --- 1. claim -----------------------------------------------------------------------------------


def claim(engine: Engine, delivery_ids: list[int], links: Links,
          unsigned: frozenset[str] = frozenset()) -> list[tuple[Row, Envelope]]:
    """QUEUED → SENDING for the given ids; the rows this call now owns, each with its envelope
    (no signed links on the channels in ``unsigned``, whose plugin renders no body)."""
    with session_scope(engine) as session:
        claimed = _claim_rows(session, delivery_ids, utcnow())
        return build_envelopes(session, claimed, links, unsigned) if claimed else []


def unsigned_channels(registry: ChannelRegistry) -> frozenset[str]:
    """The channels whose configured plugin renders no body, so needs no signed links."""
    return frozenset(channel.value for channel, kind in CHANNEL_KIND.items()
                     if (plugin := registry.for_kind(kind)) is not None and not plugin.capabilities.renders_body)


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
    """What one dispatch writes (domain.delivery.sending.ledger_writes)."""

    rows: list[LedgerRow] = dataclasses.field(default_factory=list)
    calls: list[tuple[str, dt.datetime]] = dataclasses.field(default_factory=list)  # (plugin, finished)
    started: dt.datetime | None = None
    stepped_aside: list[int] = dataclasses.field(default_factory=list)
    opted_out: list[tuple[Channel, str]] = dataclasses.field(default_factory=list)
    unreachable_calls: list[int] = dataclasses.field(default_factory=list)
    gone: set[str] = dataclasses.field(default_factory=set)


def _writes(calls: list[PluginCall], started: dt.datetime, result: DispatchResult) -> _Writes:
    """Decide every outcome and gather what it writes, in one pass (it runs once per delivery)."""
    writes = _Writes(started=started)
    queued, sent_status = DS.QUEUED.value, DS.SENT.value
    for number, call in enumerate(calls, start=1):
        writes.calls.append((call.plugin, call.finished))
        for row, outcome in zip(call.rows, call.outcomes, strict=True):
            change = decide(row, outcome)
            result.message_ids.add(row.message_id)
            if change.retry_in is not None and not sent_by_queue_runs_only(row.channel):
                result.retry_ids.append(row.id)  # a push retry waits for a queue run (JOB-04)
                result.retry_delay_seconds = max(result.retry_delay_seconds, change.retry_in)
            if change.attempt is None:  # back to the queue, no attempt spent
                writes.stepped_aside.append(row.id)
                continue
            if change is SENT:  # the common case: the fewest keys
                provider_id = getattr(outcome, "provider_id", None)
                writes.rows.append({"i": row.id, "s": sent_status, "p": provider_id, "a": change.attempt, "f": number}
                                   if provider_id is not None else
                                   {"i": row.id, "s": sent_status, "a": change.attempt, "f": number})
                if outcome.gone:  # push endpoints retired though the delivery went out
                    writes.gone.update(outcome.gone)
                result.sent += 1
                continue
            writes.rows.append(_ledger_row(row.id, number, change, outcome))
            writes.gone.update(getattr(outcome, "gone", ()))
            if change.status == sent_status:
                result.sent += 1
            elif change.status != queued:
                result.failed += 1
            if change.opts_out:
                writes.opted_out.append((Channel(row.channel), row.address))
            if change.unreachable_call:
                writes.unreachable_calls.append(row.id)
    return writes


def _ledger_row(delivery_id: int, call: int, change: LedgerChange, outcome: Outcome) -> LedgerRow:
    """Every column of a delivery's outcome and attempt that has a value."""
    values = {"i": delivery_id, "s": change.status, "p": getattr(outcome, "provider_id", None), "c": change.code,
              "r": change.detail, "a": change.attempt, "ac": getattr(outcome, "code", None),
              "ad": getattr(outcome, "detail", None), "f": call, "nb": change.retry_in}
    # A provider's text may hold a NUL, which PostgreSQL's text refuses: it is dropped on both backends.
    return {key: value.replace("\x00", "") if isinstance(value, str) else value  # type: ignore[return-value]
            for key, value in values.items() if value is not None}


def record(engine: Engine, writes: _Writes) -> list[int]:
    """One transaction: every delivery's outcome and attempt (a delivery queued again for a retry
    also gets the retry's time as not_before, so the queue run does not hurry it) and the
    messages' counters and completion, in one statement on PostgreSQL; then what the rare outcomes
    imply (stepped aside, opted out, unreachable calls, gone push endpoints). Returns the
    messages it completed."""
    with session_scope(engine) as session:
        now = utcnow()
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            completed = record_in_one_statement(connection, writes.rows, writes.calls, writes.started, now)
        else:
            completed = settle(session, write_rows(connection, writes.rows, writes.calls, writes.started, now), now)
        _requeue_stepped_aside(session, writes.stepped_aside, now)
        note_failed_calls(session, writes.unreachable_calls)  # for the status-updates job (JOB-06)
        for channel, address in writes.opted_out:
            record_opt_out(session, channel, address, source="the provider: the recipient opted out")
        if writes.gone:  # push endpoints the service says are gone (404/410)
            session.execute(delete(PushSubscription).where(PushSubscription.endpoint.in_(sorted(writes.gone))))
        return completed


def dispatch_deliveries(engine: Engine, registry: ChannelRegistry, delivery_ids: list[int],
                        services: DeliveryServices) -> DispatchResult:
    """Send the given deliveries that are still queued; record one attempt and outcome each.
    Two transactions: claim (with the envelopes' context), then record (with completion).
    ``services``: the process's pacer, progress bus and links (the shell's runtime)."""
    result = DispatchResult()
    if _waits_for_emergency(engine, registry, delivery_ids, services.pacer):
        result.retry_ids, result.retry_delay_seconds = list(delivery_ids), STEP_ASIDE_SECONDS
        return result
    claimed = claim(engine, delivery_ids, services.links, unsigned_channels(registry))
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
