"""Retention of the delivery feed: the queue run deletes events older than the retention period
(``HOMEROOM_DELIVERY_EVENT_RETENTION_HOURS``, a week by default) in bounded batches, each in its
own short transaction.

Only a prefix of the feed in ``(tx, id)`` order is ever deleted, and its end is recorded
(``delivery_feed_pruned``): a cursor before that mark has lost events and answers CURSOR_EXPIRED
(domain.feed.reading.check_not_expired); a cursor at or after it has lost nothing. A young
event early in the order (a long transaction's) stops the prefix until it ages.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.engine import Engine

from domain.feed.positions import FeedPosition
from domain.feed.reading import commit_horizon
from models.db import session_scope
from models.delivery_events import DeliveryEvent as E, DeliveryFeedPruned

#: Events deleted per transaction: short enough that no writer waits long on the feed's pages.
PRUNE_BATCH = 5_000
#: Batches per queue run: a backlog is worked off over several runs rather than in one long one.
MAX_BATCHES = 20


def prune_batch(engine: Engine, cutoff: dt.datetime, batch: int = PRUNE_BATCH) -> int:
    """Delete the longest run of events from the feed's start that all occurred before ``cutoff``
    (at most ``batch``), and move the pruned mark to its end; returns how many were deleted."""
    with session_scope(engine) as session:
        horizon = commit_horizon(session)
        rows = session.execute(select(E.tx, E.id, E.occurred_at)
                               .where(*([E.tx < horizon] if horizon is not None else []))
                               .order_by(E.tx, E.id).limit(batch)).all()
        old = 0
        while old < len(rows) and rows[old].occurred_at < cutoff:
            old += 1
        if old == 0:
            return 0
        last = FeedPosition(int(rows[old - 1].tx), int(rows[old - 1].id))
        deleted = session.execute(delete(E).where(tuple_(E.tx, E.id) <= tuple_(last.tx, last.event_id))).rowcount
        mark = {"tx": last.tx, "event_id": last.event_id, "pruned_at": dt.datetime.now(dt.UTC)}
        if not session.execute(update(DeliveryFeedPruned).values(**mark)).rowcount:
            session.execute(insert(DeliveryFeedPruned).values(id=1, **mark))
        return deleted


def prune_events(engine: Engine, now: dt.datetime, retention: dt.timedelta, *, batch: int = PRUNE_BATCH,
                 max_batches: int = MAX_BATCHES) -> int:
    """Delete events older than ``retention`` in up to ``max_batches`` batches; returns how many."""
    total = 0
    for _ in range(max_batches):
        deleted = prune_batch(engine, now - retention, batch)
        total += deleted
        if deleted < batch:
            break
    return total
