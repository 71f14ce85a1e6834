"""Reading the delivery feed: one page of events after a position, within a scope, below the
commit horizon, in ``(tx, id)`` order.

On PostgreSQL sequence ids commit out of order: a reader paging by id alone would pass an event
whose transaction took its id early and committed late. So a read sees only events of transactions
older than the oldest one still running (``tx < pg_snapshot_xmin(pg_current_snapshot())``, taken
from the statement's own snapshot): those transactions are over, so no event can still appear
before the last one read. An open transaction anywhere in the cluster holds the feed back until it
ends (a latency, never a loss). On SQLite there is one writer at a time and ids alone are in
commit order (``tx`` is 0).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import BigInteger, exists, func, literal_column, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from domain.feed.positions import START, CursorExpired, FeedPosition
from domain.feed.scope import FeedScope
from models.delivery_events import DeliveryEvent, DeliveryFeedPruned

E = DeliveryEvent
MAX_PAGE = 1000


@dataclasses.dataclass(frozen=True)
class FeedEvent:
    position: FeedPosition
    delivery_id: int
    message_id: int
    school_id: int | None
    channel: str
    status: str
    reason: str | None
    occurred_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class FeedPage:
    events: list[FeedEvent]
    #: More events after these were already readable.
    has_more: bool
    #: Committed events wait behind a transaction still running (PostgreSQL): read again soon.
    held_back: bool = False


def commit_horizon(session: Session) -> ColumnElement | None:
    """The oldest transaction still running, as seen by the statement (None on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", BigInteger)


def _position(tx: int, event_id: int) -> FeedPosition:
    return FeedPosition(int(tx), int(event_id))


def head(session: Session) -> FeedPosition:
    """A position after every event readable now and before every event that becomes readable later."""
    horizon = commit_horizon(session)
    if horizon is not None:
        return FeedPosition(int(session.execute(select(horizon)).scalar_one()), 0)
    return FeedPosition(0, int(session.execute(select(func.coalesce(func.max(E.id), 0))).scalar_one()))


def pruned_mark(session: Session) -> FeedPosition:
    """The last position retention pruned (START when nothing was)."""
    row = session.execute(select(DeliveryFeedPruned.tx, DeliveryFeedPruned.event_id)
                          .order_by(DeliveryFeedPruned.id).limit(1)).first()
    return _position(*row) if row is not None else START


def check_not_expired(session: Session, after: FeedPosition) -> None:
    """CursorExpired when retention pruned events after ``after``. Checked after the events were
    read: the mark only moves forward, so a prune that raced the read shows here."""
    if after != START and after < pruned_mark(session):
        raise CursorExpired("the cursor is older than the delivery feed's retention; start again without one")


def read_page(session: Session, *, after: FeedPosition, scope: FeedScope | None, limit: int,
              until: FeedPosition | None = None, report_held_back: bool = False,
              schools: frozenset[int] | None = None) -> FeedPage:
    """Up to ``limit`` events after ``after`` (and at most ``until``) within ``scope`` (None: every
    event) and of ``schools`` (None: any), oldest first; CursorExpired when retention has overtaken
    ``after``."""
    horizon = commit_horizon(session)
    cursor = tuple_(E.tx, E.id)
    where = [cursor > tuple_(after.tx, after.event_id)]
    if until is not None:
        where.append(cursor <= tuple_(until.tx, until.event_id))
    if horizon is not None:
        where.append(E.tx < horizon)
    if scope is not None:
        where.extend(scope.where())
    if schools is not None:
        where.append(E.school_id.in_(sorted(schools)))
    rows = session.execute(
        select(E.tx, E.id, E.delivery_id, E.message_id, E.school_id, E.channel, E.status, E.reason, E.occurred_at)
        .where(*where).order_by(E.tx, E.id).limit(limit + 1)).all()
    check_not_expired(session, after)
    events = [FeedEvent(_position(row.tx, row.id), row.delivery_id, row.message_id, row.school_id, row.channel,
                        row.status, row.reason, row.occurred_at) for row in rows[:limit]]
    held_back = False
    if report_held_back and horizon is not None and len(rows) <= limit:
        held_back = bool(session.execute(select(exists().where(E.tx >= horizon))).scalar())
    return FeedPage(events, len(rows) > limit, held_back)
