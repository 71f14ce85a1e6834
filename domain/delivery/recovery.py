"""Deliveries a crash left in SENDING: the claim committed, the outcome never did.

Resending blindly could send twice; never resending could lose a message. So each one is
reconciled with what its channel's plugin knows of the reference (the delivery id every send
carries):

- the provider has it → SENT (never sent again);
- the provider never saw it → QUEUED, and the same queue run dispatches it;
- nobody can tell → FAILED with ``OUTCOME_UNKNOWN``, except an emergency's calls and SMS, which
  are queued again after ``EMERGENCY_RESEND_DELAY``: for an emergency a duplicate is the lesser
  harm.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import select, update
from sqlmodel import Session

from channels.base import ChannelKind, Reconciled
from channels.registry import ChannelRegistry
from domain.delivery.policy import settle
from domain.support.channel_kinds import CHANNEL_KIND
from domain.delivery.lanes import EMERGENCY_CHANNELS
from domain.delivery.queue_run import sending_messages
from models.messaging import Channel, Delivery, DeliveryStatus as DS, Message

#: Longer than a dispatch job may run (its time limit is five minutes), so a slow but living
#: worker's deliveries are never taken for a crash's.
STUCK_SENDING_AFTER = dt.timedelta(minutes=10)
EMERGENCY_RESEND_DELAY = dt.timedelta(minutes=2)


def reconcile_stuck_sending(session: Session, registry: ChannelRegistry, now: dt.datetime,
                            older_than: dt.timedelta = STUCK_SENDING_AFTER) -> Counter:
    """Settle every delivery stuck in SENDING as the module says; returns counts per decision."""
    cutoff = now - older_than
    stuck = session.execute(
        select(Delivery.id, Delivery.channel, Delivery.message_id, Message.emergency)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.message_id.in_(sending_messages()),
               Delivery.status == DS.SENDING.value, Delivery.updated_at < cutoff)
    ).all()
    if not stuck:
        return Counter()
    by_kind: dict[ChannelKind, list[str]] = defaultdict(list)
    for row in stuck:
        by_kind[CHANNEL_KIND[Channel(row.channel)]].append(str(row.id))
    known: dict[str, Reconciled] = {}
    for kind, references in by_kind.items():
        plugin = registry.for_kind(kind)
        if plugin is not None:
            known.update(plugin.reconcile(references))
    sent, unsent, resend, failed = [], [], [], []
    for row in stuck:
        verdict = known.get(str(row.id), Reconciled.UNKNOWN)
        if verdict is Reconciled.SENT:
            sent.append(row)
        elif verdict is Reconciled.NOT_SENT:
            unsent.append(row)
        elif row.emergency and row.channel in EMERGENCY_CHANNELS:
            resend.append(row)
        else:
            failed.append(row)
    # Each UPDATE is guarded by the state it read, so a late outcome recorded meanwhile wins, and
    # the counters are lowered by the rows it moved (a late outcome counted its own).
    connection = session.connection()

    def move(rows, **values) -> list[int]:
        if not rows:
            return []
        return list(connection.execute(
            update(Delivery.__table__).where(Delivery.id.in_([row.id for row in rows]),
                                             Delivery.status == DS.SENDING.value, Delivery.updated_at < cutoff)
            .values(**values).returning(Delivery.message_id)).scalars())

    settled = move(sent, status=DS.SENT.value, sent_at=now, updated_at=now,
                   reason="reconciled after a crash: the provider has it")
    # updated_at is left as it was, so the queue run's sweep of stale QUEUED rows sends it now.
    move(unsent, status=DS.QUEUED.value, reason="reconciled after a crash: never sent")
    move(resend, status=DS.QUEUED.value, not_before=now + EMERGENCY_RESEND_DELAY,
         reason="emergency: outcome unknown after a crash; sent again")
    settled += move(failed, status=DS.FAILED.value, error_code="OUTCOME_UNKNOWN", updated_at=now,
                    reason="outcome unknown after a crash; not resent")
    settle(session, Counter(settled), now)
    return Counter({"SENT": len(sent), "NOT_SENT": len(unsent), "RESEND": len(resend), "FAILED": len(failed)})
