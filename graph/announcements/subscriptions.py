"""The ``announcements`` subscription: new and changed announcements the subscriber sees, live.

Notices come from the bus (domain.announcements.events.publish_announcement_changed, called by
whatever creates, edits, deletes or activates an announcement). Each is authorized again for this
subscriber at that moment: the credential is re-checked (a revoked key or deactivated account closes
the socket, 4403), then the announcement's visibility (domain.announcements.visibility). One they
see arrives as SHOWN with what the portal shows; one they saw (in their feed when they subscribed,
or shown since) that they no longer see (deleted, ANN-21, expired, retargeted) arrives once as
REMOVED with its id only; anything else sends nothing, so a notice never reveals an announcement
the subscriber cannot see. An announcement that expires at midnight with no change sends nothing.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator

import anyio
import strawberry
from sqlalchemy import select
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.announcements.events import notice_id
from domain.announcements.portal import portal_views, reader_language
from domain.announcements.visibility import visible_to
from domain.announcements.calendar import district_today
from domain.support.global_ids import Kind
from graph.announcements.feed import SCOPES
from graph.announcements.portal_types import PortalAnnouncement
from graph.context import Info
from graph.pagination import node_id
from graph.permissions import require, require_scope, requires
from graph.thread_limits import subscription_read_threads
from models.announcements import Announcement

REQUIRED = (Perm.COMMUNICATION,)


@strawberry.enum(description="What happened to an announcement, as the subscriber sees it.")
class AnnouncementChange(enum.Enum):
    SHOWN = strawberry.enum_value("SHOWN", description="New to the subscriber, or changed: here is what it shows now.")
    REMOVED = strawberry.enum_value("REMOVED", description=(
        "The subscriber saw it and no longer does (deleted, expired or retargeted): drop it."))


@strawberry.type(description="One change to an announcement the subscriber sees (or saw).")
class AnnouncementEvent:
    change: AnnouncementChange = strawberry.field(description="SHOWN or REMOVED.")
    announcement_id: strawberry.ID = strawberry.field(description="The announcement (Announcement.id).")
    announcement: PortalAnnouncement | None = strawberry.field(
        description="What the portal shows of it now; null when REMOVED.")


_ACCESS_ENDED = object()


def _visible_ids(engine, viewer, only: int | None = None) -> set[int]:
    """The announcements the viewer sees now (``only``: just that one, if seen)."""
    with Session(engine) as session:
        statement = visible_to(viewer, district_today(viewer.district))
        if only is not None:
            statement = statement.where(Announcement.id == only)
        return set(session.execute(select(statement.subquery().c.id)).scalars())


def _read(context, seen: set[int], announcement_id: int | None) -> list[AnnouncementEvent] | object:
    """The events one notice (None: a resync) makes for this subscriber, updating ``seen``."""
    viewer = context.fresh_viewer()
    if viewer is None:
        return _ACCESS_ENDED
    require_scope(viewer, SCOPES)
    require(viewer, *REQUIRED)  # FORBIDDEN: the profile lost Communication
    if announcement_id is None:
        now = _visible_ids(context.engine, viewer)
        shown, removed = now - seen, seen - now
    else:
        now = _visible_ids(context.engine, viewer, announcement_id)
        shown, removed = now, {announcement_id} & seen - now
    seen.difference_update(removed)
    seen.update(shown)
    events = [AnnouncementEvent(change=AnnouncementChange.REMOVED, announcement_id=node_id(Kind.ANNOUNCEMENT, a),
                                announcement=None) for a in sorted(removed)]
    if shown:
        with Session(context.engine) as session:
            rows = session.execute(select(Announcement).where(Announcement.id.in_(shown))
                                   .order_by(Announcement.id)).scalars().all()
            events += [AnnouncementEvent(change=AnnouncementChange.SHOWN, announcement_id=node_id(Kind.ANNOUNCEMENT,
                                                                                                  view.id),
                                         announcement=PortalAnnouncement.of(view))
                       for view in portal_views(session, rows, reader_language(viewer.user.language))]
    return events


@strawberry.type
class AnnouncementSubscriptions:
    @strawberry.subscription(**requires(
        "Announcements as they are created, changed, deleted or activated: SHOWN with what the portal shows for "
        "each one the subscriber sees (as announcementFeed decides, checked again at each event), REMOVED (id only) "
        "for one they saw that they no longer see; nothing for the rest. The connection closes (4403) when the "
        "token expires, the key is revoked or the account is deactivated.", *REQUIRED, scopes=SCOPES))
    async def announcements(self, info: Info) -> AsyncGenerator[AnnouncementEvent, None]:
        context = info.context
        async with context.events.subscribe_announcements() as notices:  # listening before the first read
            viewer = context.viewer
            seen = await anyio.to_thread.run_sync(_visible_ids, context.engine, viewer,
                                                  limiter=subscription_read_threads())
            while True:
                notice = await notices.get()
                announcement_id = notice_id(notice)
                if notice is not None and announcement_id is None:
                    continue  # not a notice
                events = await anyio.to_thread.run_sync(_read, context, seen, announcement_id,
                                                        limiter=subscription_read_threads())
                if events is _ACCESS_ENDED:
                    await context.revoke_access("access to announcements has ended")
                    return
                for event in events:
                    yield event
