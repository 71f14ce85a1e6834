"""The viewer's drafts (DRF-01, DRF-02): newest saved first, filtered by the saved time as the
district shows it or by title, and everything one draft holds, read set-based for a page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from domain.access.viewer import Viewer
from models.conversations import DraftAssignment
from models.messaging import (
    ImportedRecipient,
    Message,
    MessageStaff,
    MessageStatus,
    MessageStudent,
    MessageStudentGroup,
    MessageUserGroup,
)

#: When a draft was last saved (drafts stored before saved_at existed: when created).
SAVED = func.coalesce(Message.saved_at, Message.created_at)


@dataclasses.dataclass(frozen=True)
class Assignment:
    """The latest hand-over of a draft (DRF-04, DRF-08)."""

    from_user_id: int
    to_user_id: int
    note: str
    assigned_at: dt.datetime


@dataclasses.dataclass
class DraftContents:
    """What a draft selects besides its own columns (CMP-28)."""

    student_ids: list[int] = dataclasses.field(default_factory=list)
    staff_ids: list[int] = dataclasses.field(default_factory=list)
    student_group_ids: list[int] = dataclasses.field(default_factory=list)
    user_group_ids: list[int] = dataclasses.field(default_factory=list)
    imported_count: int = 0
    assignment: Assignment | None = None


def saved_at(message: Message) -> dt.datetime:
    value = message.saved_at or message.created_at
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def shown_saved_time(message: Message, zone: ZoneInfo) -> str:
    """The saved time as the drafts list shows it, in the district's time zone (DRF-01):
    "2026-12-03 14:05 Dec 3, 2026 December 3"."""
    local = saved_at(message).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local:%b} {local.day}, {local.year} {local:%B} {local.day}"


def _mine(viewer: Viewer) -> list:
    return [Message.sender_id == viewer.id, Message.status == MessageStatus.DRAFT.value]


def _matching_ids(session: Session, viewer: Viewer, needle: str) -> list[int]:
    """Drafts whose shown saved time, title or subject contains ``needle`` (case-insensitive). The
    time zone conversion is done here, over the viewer's drafts only: one statement."""
    zone = ZoneInfo(viewer.district.time_zone)
    rows = session.execute(select(Message).where(*_mine(viewer))).scalars()
    return [m.id for m in rows if needle in f"{shown_saved_time(m, zone)} {m.draft_title or ''} {m.subject}".lower()]


DraftKey = tuple[dt.datetime, int]


def _drafts_where(session: Session, viewer: Viewer, search: str | None) -> list:
    where = _mine(viewer)
    if search and search.strip():
        where.append(Message.id.in_(_matching_ids(session, viewer, search.strip().lower())))
    return where


def _older(key: DraftKey):
    at, message_id = key
    return or_(SAVED < at, and_(SAVED == at, Message.id < message_id))


def _newer(key: DraftKey):
    at, message_id = key
    return or_(SAVED > at, and_(SAVED == at, Message.id > message_id))


def drafts_page(session: Session, viewer: Viewer, *, search: str | None, after: DraftKey | None,
                before: DraftKey | None = None, limit: int, backward: bool = False) -> list[Message]:
    """DRF-01: the viewer's drafts, newest saved first (ties by id), between the keysets ``after``
    and ``before`` (saved time, id); up to ``limit`` rows from the start of that span, or from its
    end when ``backward`` (then nearest ``before`` first)."""
    where = _drafts_where(session, viewer, search)
    if after is not None:
        where.append(_older(after))
    if before is not None:
        where.append(_newer(before))
    order = (SAVED.asc(), Message.id.asc()) if backward else (SAVED.desc(), Message.id.desc())
    return list(session.execute(select(Message).where(*where).order_by(*order).limit(limit)).scalars().all())


def drafts_count(session: Session, viewer: Viewer, *, search: str | None) -> int:
    """How many drafts the viewer's list holds (with the search)."""
    return session.execute(select(func.count()).select_from(Message).where(
        *_drafts_where(session, viewer, search))).scalar_one()


def drafts_beyond(session: Session, viewer: Viewer, *, search: str | None, key: DraftKey, newer: bool) -> bool:
    """Whether the list has a draft at ``key`` or newer (``newer``) or at it or older."""
    where = [*_drafts_where(session, viewer, search), ~(_older(key) if newer else _newer(key))]
    return session.execute(select(select(Message.id).where(*where).exists())).scalar_one()


def draft_contents(session: Session, message_ids: list[int]) -> dict[int, DraftContents]:
    """The selection, imported-recipient count and latest assignment of each message: six
    statements whatever the number of messages."""
    found = {message_id: DraftContents() for message_id in message_ids}
    if not message_ids:
        return found
    for name, table, column in (("student_ids", MessageStudent, MessageStudent.student_id),
                                ("staff_ids", MessageStaff, MessageStaff.user_id),
                                ("student_group_ids", MessageStudentGroup, MessageStudentGroup.group_id),
                                ("user_group_ids", MessageUserGroup, MessageUserGroup.group_id)):
        grouped: dict[int, list[int]] = defaultdict(list)
        for message_id, value in session.execute(select(table.message_id, column).where(
                table.message_id.in_(message_ids)).order_by(table.message_id, column)):
            grouped[message_id].append(value)
        for message_id, values in grouped.items():
            setattr(found[message_id], name, values)
    for message_id, count in session.execute(
            select(ImportedRecipient.message_id, func.count()).where(ImportedRecipient.message_id.in_(message_ids))
            .group_by(ImportedRecipient.message_id)):
        found[message_id].imported_count = count
    for row in session.execute(select(DraftAssignment).where(DraftAssignment.message_id.in_(message_ids))
                               .order_by(DraftAssignment.id)).scalars():
        found[row.message_id].assignment = Assignment(row.from_user_id, row.to_user_id, row.note, row.created_at)
    return found
