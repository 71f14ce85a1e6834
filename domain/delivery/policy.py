"""The delivery policy: each rule of how deliveries reach dispatch, stated once (issue 14 point 2).

- JOB-04: push goes out only in queue runs (``sent_by_queue_runs_only``);
- how big a dispatch job is, per channel (``ChunkSizes``), and how queued deliveries become
  jobs in their lanes, most urgent first (``dispatch_chunks``; the lanes are domain.delivery.lanes);
- what a plugin may be handed: its declared capabilities, enforced by ``Capabilities.fit``
  (channels.base), which dispatch and the trial call both go through;
- a message completes when nothing is open (``nothing_open``; ``complete_when_nothing_open`` as
  a counter falls, ``complete_messages_with_nothing_open`` for messages found by a query);
- work that starts once the transaction commits (``JobQueue``, ``after_commit``), as Saleor's
  actions use Django's ``transaction.on_commit``: a rollback drops it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from sqlalchemy import and_, case, event, update
from sqlalchemy.orm import Session

from channels.registry import ChannelRegistry
from domain.delivery.lanes import LANES_BY_URGENCY, Lane, lane_of
from domain.support.channel_kinds import CHANNEL_KIND
from models.messaging import Channel, Message, MessageStatus

# --- JOB-04 -------------------------------------------------------------------------------------

#: JOB-04: push notifications are sent only by queue runs; with the queue not running none go out.
QUEUE_RUN_ONLY_CHANNELS = frozenset({Channel.PUSH.value})


def sent_by_queue_runs_only(channel: str) -> bool:
    """JOB-04: deliveries on this channel wait for a queue run; no other job hands them to dispatch."""
    return channel in QUEUE_RUN_ONLY_CHANNELS


# --- Chunks and lanes ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChunkSizes:
    """How many deliveries one dispatch job carries, per channel: HOMEROOM_DISPATCH_BATCH_SIZE, or
    the channel's plugin's ``max_batch`` when that is smaller, so one job is one plugin batch."""

    configured: int
    by_channel: Mapping[str, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def for_plugins(cls, registry: ChannelRegistry, configured: int) -> ChunkSizes:
        return cls(configured, {channel.value: min(configured, plugin.capabilities.max_batch)
                                for channel, kind in CHANNEL_KIND.items()
                                if (plugin := registry.for_kind(kind)) is not None})

    @classmethod
    def of(cls, sizes: int | ChunkSizes) -> ChunkSizes:
        """An int is one size for every channel (tests and tools that chunk by hand)."""
        return sizes if isinstance(sizes, ChunkSizes) else cls(sizes)

    def __call__(self, channel: str) -> int:
        return self.by_channel.get(channel, self.configured)


def chunk_by_channel(rows, sizes: int | ChunkSizes) -> list[tuple[str, list[int]]]:
    """(channel, ids) chunks of (id, channel) rows: one channel each, at most its chunk size, in id order."""
    sizes = ChunkSizes.of(sizes)
    chunks: list[tuple[str, list[int]]] = []
    for channel in sorted({channel for _, channel in rows}):
        ids = sorted(delivery_id for delivery_id, row_channel in rows if row_channel == channel)
        size = sizes(channel)
        chunks += [(channel, ids[start:start + size]) for start in range(0, len(ids), size)]
    return chunks


def dispatch_chunks(rows, urgency: Mapping[int, tuple[bool, bool]], sizes: int | ChunkSizes, *,
                    queue_run: bool = False) -> list[tuple[Lane, list[int]]]:
    """Dispatch jobs for (id, channel, message_id) rows: each of one channel, in its message's lane
    (CMP-07; ``urgency`` maps a message to (emergency, priority)), most urgent lane first. Outside
    a queue run, what only queue runs send is left out (JOB-04)."""
    by_lane: dict[Lane, list[tuple[int, str]]] = {lane: [] for lane in LANES_BY_URGENCY}
    for delivery_id, channel, message_id in rows:
        if not queue_run and sent_by_queue_runs_only(channel):
            continue
        emergency, priority = urgency[message_id]
        by_lane[lane_of(emergency=emergency, priority=priority, channel=channel)].append((delivery_id, channel))
    return [(lane, ids) for lane in LANES_BY_URGENCY for _, ids in chunk_by_channel(by_lane[lane], sizes)]


def in_lanes(chunks: Iterable[tuple[str, list[int]]], *, emergency: bool,
             priority: bool) -> list[tuple[Lane, list[int]]]:
    """One message's (channel, ids) chunks as dispatch jobs in their lanes, most urgent first (an
    emergency's SMS before its email); what only queue runs send is left out (JOB-04)."""
    return sorted(((lane_of(emergency=emergency, priority=priority, channel=channel), ids)
                   for channel, ids in chunks if not sent_by_queue_runs_only(channel)),
                  key=lambda pair: LANES_BY_URGENCY.index(pair[0]))


# --- Completion ---------------------------------------------------------------------------------


def nothing_open(open_deliveries=Message.open_deliveries):
    """A message completes when nothing is open: it is SENDING, its in-app rows are filed (so a
    completed message is in every inbox) and no delivery of it can still change."""
    return and_(Message.status == MessageStatus.SENDING.value, Message.in_app_filed_at.is_not(None),
                open_deliveries <= 0)


def complete_when_nothing_open(open_deliveries, now) -> dict:
    """The SET clause of an UPDATE of messages that completes those with ``open_deliveries`` at nought."""
    done = nothing_open(open_deliveries)
    return {"status": case((done, MessageStatus.COMPLETED.value), else_=Message.status),
            "completed_at": case((done, now), else_=Message.completed_at)}


def complete_messages_with_nothing_open(session: Session, *where, now) -> int:
    """Complete the messages ``where`` selects that have nothing open; how many it completed."""
    return session.connection().execute(
        update(Message.__table__).where(*where, nothing_open())
        .values(status=MessageStatus.COMPLETED.value, completed_at=now)).rowcount


def settle(session, settled_per_message: Counter, now) -> list[int]:
    """Lower each message's count of open deliveries by those that just reached a final status,
    and complete the message when none is left (one statement per message). Returns the messages
    this completed. Whoever moves a delivery out of an open status counts it, once: dispatch's
    record, a provider's status callback, recovery, recall; each counts only the rows its own
    guarded UPDATE moved, so two of them racing for one delivery never count it twice."""
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


# --- Work after the commit ----------------------------------------------------------------------


class JobQueue(Protocol):
    """Where domain actions hand work once their transaction commits; jobs.job_queue implements
    it with Dramatiq actors (domain must not import jobs)."""

    def chunk_sizes(self) -> ChunkSizes:
        """The dispatch job sizes for the configured plugins."""

    def dispatch(self, chunks: Iterable[tuple[Lane, list[int]]]) -> None:
        """Send each (lane, delivery ids) chunk to its lane's dispatch job."""

    def hand_on(self, message_id: int, lane: Lane) -> None:
        """Queue the job that writes a stored message's rows if it has none yet, then hands its
        queued deliveries to dispatch (domain.delivery.fan_out.hand_on)."""


_PENDING = "homeroom.after_commit"


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Run ``work`` once the session's transaction commits; a rollback drops it. Work registered in
    a savepoint waits for the outer commit, and is dropped if the savepoint rolls back."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:  # nothing to wait for
        work()
        return
    if _PENDING not in session.info:
        session.info[_PENDING] = {}
        event.listen(session, "after_commit", _run_committed)
        event.listen(session, "after_transaction_end", _drop_ended)
    session.info[_PENDING].setdefault(transaction, []).append(work)


def _run_committed(session: Session) -> None:
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending = session.info[_PENDING]
    work = pending.pop(transaction, [])
    if transaction is not None and transaction.parent is not None:  # a savepoint: wait for the outer commit
        if work:
            pending.setdefault(transaction.parent, []).extend(work)
        return
    for item in work:
        item()


def _drop_ended(session: Session, transaction) -> None:
    """A transaction that ended with work still pending rolled back: the work goes with it."""
    session.info[_PENDING].pop(transaction, None)


def hand_on_after_commit(session: Session, jobs: JobQueue, message_id: int, *, emergency: bool,
                         priority: bool) -> None:
    """After the commit, the message's hand-on job in its lane (CMP-07)."""
    lane = lane_of(emergency=emergency, priority=priority)
    after_commit(session, lambda: jobs.hand_on(message_id, lane))


def dispatch_after_commit(session: Session, jobs: JobQueue, chunks: list[tuple[Lane, list[int]]]) -> None:
    """After the commit, each chunk to its lane's dispatch job."""
    if chunks:
        after_commit(session, lambda: jobs.dispatch(chunks))
