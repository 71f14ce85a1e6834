"""Reading the delivery feed: one page of events after a position, within a scope, below the
commit horizon, in ``(tx, id)`` order.

On PostgreSQL sequence ids commit out of order: a reader paging by id alone would pass an event
whose transaction took its id early and committed late. So a read sees only events of transactions
older than the oldest one still running (``tx < pg_snapshot_xmin(pg_current_snapshot())``, taken
from the statement's own snapshot): those transactions are over, so no event can still appear
before the last one read. An open transaction anywhere in the cluster holds the feed back until it
ends (a latency, never a loss). On SQLite there is one writer at a time and ids alone are in
commit order (``tx`` is 0).

A query page (``scan``) looks at a bounded window of the feed, the first ``scan`` events after the
cursor below the horizon whether the viewer may see them or not, and reports where that window
ends: a viewer who sees little of a busy feed moves past what it may not see instead of keeping an
old cursor until retention expires it (and rescanning the same events at every poll). The window,
its end and the events shown come from one statement, so from one snapshot and one horizon: an end
read by a second statement could pass an event that committed in between.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import BigInteger, exists, func, literal_column, select, true, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from domain.feed.positions import START, CursorExpired, FeedPosition
from domain.feed.scope import FeedScope
from models.delivery_events import DeliveryEvent, DeliveryFeedPruned

E = DeliveryEvent
#: A query page looks at no more than this many events of the feed per event asked for (``first``):
#: a quiet key over a busy district reads 10,000 index entries at most, then pages on.
SCAN_PER_EVENT = 10


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
    #: With ``scan``: the position up to which the page looked at the feed (every event up to it was
    #: considered, shown or not); None when it found nothing after ``after``, or without ``scan``.
    looked_to: FeedPosition | None = None


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


def _window(after: FeedPosition, until: FeedPosition | None, horizon: ColumnElement | None) -> list:
    """WHERE clauses of the events after ``after`` (to ``until``), below the commit horizon."""
    cursor = tuple_(E.tx, E.id)
    where = [cursor > tuple_(after.tx, after.event_id)]
    if until is not None:
        where.append(cursor <= tuple_(until.tx, until.event_id))
    if horizon is not None:
        where.append(E.tx < horizon)
    return where


def _event(row) -> FeedEvent:
    return FeedEvent(_position(row.tx, row.id), row.delivery_id, row.message_id, row.school_id, row.channel,
                     row.status, row.reason, row.occurred_at)


_EVENT_COLUMNS = (E.tx, E.id, E.delivery_id, E.message_id, E.school_id, E.channel, E.status, E.reason, E.occurred_at)


def read_page(session: Session, *, after: FeedPosition, scope: FeedScope | None, limit: int,
              until: FeedPosition | None = None, report_held_back: bool = False,
              schools: frozenset[int] | None = None, scan: int | None = None) -> FeedPage:
    """Up to ``limit`` events after ``after`` (and at most ``until``) within ``scope`` (None: every
    event) and of ``schools`` (None: any), oldest first; CursorExpired when retention has overtaken
    ``after``. With ``scan``, only among the next ``scan`` events of the feed, and the page says
    where it stopped looking (``looked_to``)."""
    horizon = commit_horizon(session)
    window = _window(after, until, horizon)
    shown = [*(scope.where() if scope is not None else []),
             *([E.school_id.in_(sorted(schools))] if schools is not None else [])]
    if scan is None:
        rows = session.execute(select(*_EVENT_COLUMNS).where(*window, *shown)
                               .order_by(E.tx, E.id).limit(limit + 1)).all()
        check_not_expired(session, after)
        page = FeedPage([_event(row) for row in rows[:limit]], len(rows) > limit)
    else:
        page = _read_window(session, window=window, shown=shown, limit=limit, scan=scan)
        check_not_expired(session, after)
    if report_held_back and horizon is not None and not page.has_more:
        page = dataclasses.replace(page, held_back=bool(session.execute(select(exists().where(E.tx >= horizon))).scalar()))
    return page


def _read_window(session: Session, *, window: list, shown: list, limit: int, scan: int) -> FeedPage:
    """One statement: the first ``scan`` events of ``window`` (the feed the page looks at, shown or
    not), the first ``limit`` + 1 of them that ``shown`` keeps, and where the window ends with
    whether more events followed it. A page that fills up ends at its last event instead."""
    first = select(E.tx, E.id).where(*window).order_by(E.tx, E.id).limit(scan + 1).subquery("feed_scan")
    looked = select(first.c.tx, first.c.id, func.row_number().over(order_by=(first.c.tx, first.c.id)).label("n")
                    ).cte("feed_window")
    end = (select(looked.c.tx.label("end_tx"), looked.c.id.label("end_id"),
                  (select(func.count()).select_from(looked).scalar_subquery() > scan).label("more_after"))
           .where(looked.c.n <= scan).order_by(looked.c.n.desc()).limit(1).subquery("window_end"))
    events = (select(*_EVENT_COLUMNS).join(looked, looked.c.id == E.id).where(looked.c.n <= scan, *shown)
              .order_by(E.tx, E.id).limit(limit + 1).subquery("shown"))
    rows = session.execute(select(end, events).select_from(end.outerjoin(events, true()))
                           .order_by(events.c.tx, events.c.id)).all()
    if not rows:  # nothing after the cursor below the horizon
        return FeedPage([], False)
    found = [_event(row) for row in rows if row.id is not None]
    if len(found) > limit:
        return FeedPage(found[:limit], True, looked_to=found[limit - 1].position)
    return FeedPage(found, bool(rows[0].more_after), looked_to=_position(rows[0].end_tx, rows[0].end_id))
