"""Announcement change notices for the ``announcements`` subscription (ANN-*): whoever creates,
edits, deletes or activates an announcement calls ``publish_announcement_changed`` in its
transaction; the notice ({"announcementId": n}, ids only) goes out once that transaction commits
(nothing on a rollback). Each subscriber then reads the announcement through its own visibility
(domain.announcements.visibility), so a notice never tells anyone more than their feed would.
"""

from __future__ import annotations

from sqlmodel import Session

from domain.delivery.policy import after_commit
from domain.delivery.progress_events import ProgressBus


def announcement_notice(announcement_id: int) -> dict:
    return {"announcementId": announcement_id}


def notice_id(notice: object) -> int | None:
    """The announcement a notice names, or None when it is not a notice."""
    value = notice.get("announcementId") if isinstance(notice, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def publish_announcement_changed(session: Session, events: ProgressBus | None, announcement_id: int) -> None:
    """Tell the announcements subscriptions this announcement was created, changed, deleted or
    activated, once ``session``'s transaction commits. ``events`` None (no bus): nothing to tell."""
    if events is not None:
        after_commit(session, lambda: events.publish_announcement(announcement_notice(announcement_id)))
