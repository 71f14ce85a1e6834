"""Archiving a thread and taking it back (INB-15..INB-20).

- Staff (an administrator or teacher) archiving a thread with a parent or student archive it for
  both, as its archiver, which also stops the family side from continuing it (INB-16,
  domain.conversations.replies.reply_rules);
- every other pair (admin–admin, admin–teacher, teacher–teacher) and any thread archived by a
  parent or student: only the archiver's side (INB-16, INB-17);
- unarchiving returns the thread for everyone the user archived it for (INB-18);
- a new message or reply unarchives it for both (INB-19: fan-out does, domain.delivery.in_app).

An archived thread is still the user's: read, answered and flagged like any (INB-20).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from domain.access.scope import FAMILY_ROLES
from domain.conversations.threads.inbox_events import InboxChange, announce
from domain.conversations.threads.thread_sides import side_for
from domain.delivery.progress_events import ProgressBus
from models.conversations import ThreadSide
from models.db import utcnow
from models.directory import Role, User

STAFF_ROLES = (Role.ADMIN, Role.TEACHER)


def archives_for_both(archiver_role: Role, correspondent_role: Role) -> bool:
    """INB-16: staff archiving a staff–family thread archive it for both."""
    return archiver_role in STAFF_ROLES and correspondent_role in FAMILY_ROLES


def archive_thread(session: Session, *, user_id: int, thread_id: int | None,
                   events: ProgressBus | None = None) -> ThreadSide:
    """Archive the user's thread (for both when INB-16 says so); returns the user's side."""
    side = side_for(session, user_id, thread_id, lock=True)
    archiver, correspondent = session.get(User, user_id), session.get(User, side.correspondent_id)
    users = [user_id]
    if correspondent is not None and archives_for_both(Role(archiver.role), Role(correspondent.role)):
        users.append(correspondent.id)
    elif side.archived_by_id not in (None, user_id):  # archived for them by staff: the lock stays theirs
        return side
    session.execute(update(ThreadSide).where(ThreadSide.thread_id == side.thread_id, ThreadSide.user_id.in_(users))
                    .values(archived_at=utcnow(), archived_by_id=user_id))
    session.flush()
    session.refresh(side)
    announce(session, events, users, InboxChange.ARCHIVE, thread_id=side.thread_id)
    return side


def unarchive_thread(session: Session, *, user_id: int, thread_id: int | None,
                     events: ProgressBus | None = None) -> ThreadSide:
    """INB-18: return the thread for everyone the user archived it for; a side the staff
    correspondent archived stays archived (its lock is theirs to lift, INB-16). Returns the user's side."""
    side = side_for(session, user_id, thread_id, lock=True)
    users = list(session.execute(
        update(ThreadSide).where(ThreadSide.thread_id == side.thread_id, ThreadSide.archived_by_id == user_id)
        .values(archived_at=None, archived_by_id=None).returning(ThreadSide.user_id)).scalars())
    session.flush()
    session.refresh(side)
    announce(session, events, users, InboxChange.ARCHIVE, thread_id=side.thread_id)
    return side
