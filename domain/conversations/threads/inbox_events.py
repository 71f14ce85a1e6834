"""Inbox notices: after a change to someone's inbox commits, a small notice goes to each affected
user's inboxUpdates subscription (through Redis pub/sub, so any API process serves any subscriber).

A notice names what changed and where (the thread, the message), never content: the subscription
reads what the user may see from the database when it forwards a notice, so flagged content and
other users' threads never travel on the bus.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlmodel import Session

from domain.delivery.policy import after_commit
from domain.delivery.progress_events import ProgressBus


class InboxChange(str, enum.Enum):
    MESSAGE = "MESSAGE"  # a message arrived in one of the user's threads
    READ = "READ"  # messages were read or marked unread
    ARCHIVE = "ARCHIVE"  # a thread was archived or unarchived
    FLAG = "FLAG"  # a message was flagged or unflagged
    ALERT = "ALERT"  # a portal alert (a draft assigned to you, DRF-05)


def announce(session: Session, events: ProgressBus | None, user_ids: Iterable[int], change: InboxChange, *,
             thread_id: int | None = None, message_id: int | None = None) -> None:
    """Once ``session`` commits, tell ``user_ids`` their inbox changed (None: no bus, nothing said)."""
    users = sorted(set(user_ids))
    if events is None or not users:
        return
    notice = {"change": change.value, "threadId": thread_id, "messageId": message_id}
    after_commit(session, lambda: events.publish_inbox([(user_id, notice) for user_id in users]))
