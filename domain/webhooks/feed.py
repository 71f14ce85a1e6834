"""What delivery.updated reads: the delivery feed (domain.feed) after an endpoint's cursor, for its
schools.

``changes_after(session, after=cursor, school_ids=..., limit=...)`` answers the next changes in
order, each with the cursor that resumes after it; ``head(session, now)`` is the cursor of "now"
(a new endpoint starts there, not at the beginning of history). The pump keeps one cursor per
endpoint (``webhook_endpoint.feed_cursor``). The feed has one event per ledger status change,
written by the database in the changing transaction, and reads only below the commit horizon, so a
change is never skipped; an event's school is its recipient's (a student's school, a staff
member's first school), as a partner key's feed scopes it. An endpoint whose cursor retention has
overtaken (it was disabled longer than ``HOMEROOM_DELIVERY_EVENT_RETENTION_HOURS``) resumes from
the oldest event still kept. An event's ids are the global ids the API's ``deliveryEvents`` shows
(domain.support.global_ids).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session

from domain.feed.positions import CursorExpired, CursorInvalid, FeedPosition
from domain.feed.reading import head as feed_head
from domain.feed.reading import pruned_mark, read_page
from domain.support.global_ids import Kind, global_id, optional_global_id

#: The feed needs no settling time: the pump runs as soon as a chunk's outcomes are committed.
SETTLE_SECONDS = 0.0


@dataclasses.dataclass(frozen=True)
class FeedChange:
    cursor: str
    event: dict


def head(session: Session, now: dt.datetime) -> str:
    """The cursor after every change readable now."""
    return feed_head(session).cursor


def _start(session: Session, after: str | None) -> FeedPosition:
    try:
        return FeedPosition.parse(after) if after else feed_head(session)
    except CursorInvalid:  # a cursor of the interim ledger reader (before the feed existed): start now
        return feed_head(session)


def changes_after(session: Session, *, after: str | None, school_ids: frozenset[int] | None, limit: int,
                  now: dt.datetime) -> list[FeedChange]:
    """At most ``limit`` changes after ``after``, oldest first, of deliveries to recipients of
    ``school_ids`` (None: every school)."""
    start = _start(session, after)
    try:
        page = read_page(session, after=start, scope=None, limit=limit, schools=school_ids)
    except CursorExpired:
        page = read_page(session, after=pruned_mark(session), scope=None, limit=limit, schools=school_ids)
    return [FeedChange(event.position.cursor, {
        "cursor": event.position.cursor, "deliveryId": global_id(Kind.DELIVERY, event.delivery_id),
        "messageId": global_id(Kind.MESSAGE, event.message_id),
        "schoolId": optional_global_id(Kind.SCHOOL, event.school_id), "channel": event.channel,
        "status": event.status, "occurredAt": event.occurred_at.astimezone(dt.UTC).isoformat()})
        for event in page.events]
