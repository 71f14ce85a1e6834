"""The inbox, sent and archive lists: keyset pages of one user's thread sides, each row carrying
its correspondent's name, role label and school from the same statement (INB-01, INB-04,
INB-15, INB-21, INB-23).

- inbox: sides that received, newest received first, not archived;
- sent: sides that sent (never by a message sent as the district or a school, INB-21), newest
  sent first, not archived;
- archive: archived sides, latest activity first.
Every list orders by (its time, thread id) descending; a page after a key is one index range
on ix_thread_side_inbox / _sent / _activity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.conversations.threads import labels
from models.conversations import ThreadSide
from models.directory import User


class Box(str, enum.Enum):
    INBOX = "INBOX"
    SENT = "SENT"
    ARCHIVE = "ARCHIVE"


#: A position in a list: (its time, thread id).
Key = tuple[dt.datetime, int]


@dataclasses.dataclass(frozen=True)
class ThreadSummary:
    thread_id: int
    correspondent_id: int
    correspondent_name: str
    correspondent_role: str
    role_label: str | None
    school_name: str | None
    unread_count: int
    last_activity_at: dt.datetime
    last_received_at: dt.datetime | None
    last_sent_at: dt.datetime | None
    archived_at: dt.datetime | None
    archived_by_id: int | None
    correspondent_active: bool

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def can_reply(self) -> bool:
        """Whether the viewer may write in it: the correspondent still exists (INB-23) and did not
        archive it for both (INB-16). The reply rules of INB-22 are checked when replying."""
        return self.correspondent_active and (self.archived_by_id is None or self.archived_by_id != self.correspondent_id)

    def key(self, box: Box) -> Key:
        return (_time_column_value(self, box), self.thread_id)


def _time_column(box: Box):
    return {Box.INBOX: ThreadSide.last_received_at, Box.SENT: ThreadSide.last_sent_at,
            Box.ARCHIVE: ThreadSide.last_activity_at}[box]


def _time_column_value(summary: ThreadSummary, box: Box) -> dt.datetime:
    return {Box.INBOX: summary.last_received_at, Box.SENT: summary.last_sent_at,
            Box.ARCHIVE: summary.last_activity_at}[box]


def _summaries(correspondent):
    """The SELECT of ThreadSummary columns over ThreadSide joined to its correspondent."""
    return (select(ThreadSide.thread_id, ThreadSide.correspondent_id,
                   labels.display_name(correspondent).label("correspondent_name"),
                   correspondent.role.label("correspondent_role"),
                   labels.role_label(correspondent).label("role_label"),
                   labels.school_name(correspondent).label("school_name"),
                   labels.shown_unread(ThreadSide.unread_count, correspondent).label("unread_count"),
                   ThreadSide.last_activity_at, ThreadSide.last_received_at, ThreadSide.last_sent_at,
                   ThreadSide.archived_at, ThreadSide.archived_by_id,
                   labels.counts_unread(correspondent).label("correspondent_active"))
            .join(correspondent, correspondent.id == ThreadSide.correspondent_id))


def _box_filter(box: Box) -> list:
    if box is Box.ARCHIVE:
        return [ThreadSide.archived_at.is_not(None)]
    return [_time_column(box).is_not(None), ThreadSide.archived_at.is_(None)]


def _name_filter(correspondent, name: str | None) -> list:
    """INB-04: a case-blind substring of the correspondent's name (as stored, also for someone gone)."""
    if not name or not name.strip():
        return []
    pattern = "%" + name.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full = func.lower(correspondent.first_name + " " + correspondent.last_name)
    return [full.like(pattern, escape="\\")]


def list_threads(session: Session, *, user_id: int, box: Box, name: str | None = None, after: Key | None = None,
                 before: Key | None = None, limit: int, backwards: bool = False) -> list[ThreadSummary]:
    """Up to ``limit`` rows of a list in its order (newest first), after or before a key; one
    statement. ``backwards`` takes the rows nearest ``before`` (or the oldest), still returned
    newest first."""
    correspondent = aliased(User, name="correspondent")
    at = _time_column(box)
    where = [ThreadSide.user_id == user_id, *_box_filter(box), *_name_filter(correspondent, name)]
    if after is not None:
        where.append(or_(at < after[0], and_(at == after[0], ThreadSide.thread_id < after[1])))
    if before is not None:
        where.append(or_(at > before[0], and_(at == before[0], ThreadSide.thread_id > before[1])))
    order = (at.asc(), ThreadSide.thread_id.asc()) if backwards else (at.desc(), ThreadSide.thread_id.desc())
    rows = session.execute(_summaries(correspondent).where(*where).order_by(*order).limit(limit)).all()
    summaries = [ThreadSummary(**row._asdict()) for row in rows]
    return summaries[::-1] if backwards else summaries


def count_threads(session: Session, *, user_id: int, box: Box, name: str | None = None) -> int:
    """How many threads a list holds (with the name filter)."""
    correspondent = aliased(User, name="correspondent")
    query = select(func.count()).select_from(ThreadSide).where(ThreadSide.user_id == user_id, *_box_filter(box))
    filters = _name_filter(correspondent, name)
    if filters:
        query = query.join(correspondent, correspondent.id == ThreadSide.correspondent_id).where(*filters)
    return session.execute(query).scalar_one()


def thread_summary(session: Session, *, user_id: int, thread_id: int) -> ThreadSummary | None:
    """The user's side of one thread as a list shows it, or None when it is not theirs."""
    correspondent = aliased(User, name="correspondent")
    row = session.execute(_summaries(correspondent).where(
        ThreadSide.user_id == user_id, ThreadSide.thread_id == thread_id)).first()
    return ThreadSummary(**row._asdict()) if row else None


def unread_total(session: Session, *, user_id: int) -> int:
    """INB-02: the unread messages of the user's threads not archived, as the lists count them; one statement."""
    correspondent = aliased(User, name="correspondent")
    return session.execute(
        select(func.coalesce(func.sum(labels.shown_unread(ThreadSide.unread_count, correspondent)), 0))
        .select_from(ThreadSide).join(correspondent, correspondent.id == ThreadSide.correspondent_id)
        .where(ThreadSide.user_id == user_id, ThreadSide.archived_at.is_(None), ThreadSide.unread_count > 0)
    ).scalar_one()
