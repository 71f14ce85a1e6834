"""The signed-in portal feed (ANN-09, ANN-16…ANN-18): ``announcementFeed``, the announcements the
viewer sees today, in listing order; the rules are domain.announcements.visibility's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select

from domain.access.permissions import Perm
from domain.access.scopes import Scope
from domain.announcements.calendar import district_today
from domain.announcements.portal import portal_views, reader_language
from domain.announcements.visibility import FeedPosition, after as after_position, feed_page, visible_to
from graph.announcements.portal_types import PortalAnnouncement
from graph.context import Info
from graph.pagination import MAX_PAGE_SIZE, After, Connection, Edge, PageInfo, decode_key, encode_cursor, page_size
from graph.permissions import requires

CURSOR_KIND = "announcementFeed"
DEFAULT_PAGE = 20
#: A partner key reads the feed of the administrator it acts for (within the key's schools).
SCOPES = (Scope.ANNOUNCEMENTS_READ,)


def encode_position(position: FeedPosition) -> str:
    sort_order = position.sort_order
    return encode_cursor(CURSOR_KIND, (0 if sort_order is None else 1, sort_order or 0,
                                       position.start_date.isoformat(), position.id))


def decode_position(cursor: str | None) -> FeedPosition | None:
    key = decode_key(CURSOR_KIND, cursor)
    if key is None:
        return None
    try:
        has_order, sort_order, start_date, announcement_id = key  # type: ignore[misc]
        if has_order not in (0, 1) or not isinstance(sort_order, int) or not isinstance(announcement_id, int):
            raise ValueError
        return FeedPosition(sort_order if has_order else None, dt.date.fromisoformat(start_date), announcement_id)
    except (TypeError, ValueError):
        raise GraphQLError("the cursor is not valid for this list", extensions={"code": "BAD_USER_INPUT"}) from None


@strawberry.type
class AnnouncementFeedQueries:
    @strawberry.field(**requires(
        "The announcements you see today (ANN-18), sorted ones first by sort order, then the rest, newest start "
        f"date first (ANN-09); {DEFAULT_PAGE} a page by default, forward only. Active ones only; one of your profiles "
        "selected; for parents, those of the schools and grades of their students (through the Student Contacts "
        "option, ANN-04, ANN-08, ANN-17); for students, their own school's; for admins and teachers, those of the "
        "school selected in their session, district-wide ones included (ANN-16). One statement a page.",
        Perm.COMMUNICATION, scopes=SCOPES))
    def announcement_feed(self, info: Info, first: Annotated[int | None, strawberry.argument(description=(
            f"The first n announcements (after `after`), 1 to {MAX_PAGE_SIZE}; default {DEFAULT_PAGE}."))] = None,
                          after: After = None) -> Connection[PortalAnnouncement]:
        size = page_size(first) if first is not None else DEFAULT_PAGE
        position = decode_position(after)
        session, viewer = info.context.session, info.context.viewer
        today = district_today(viewer.district)
        page = feed_page(session, viewer, size=size, after_position=position, today=today)
        views = portal_views(session, page.announcements, reader_language(viewer.user.language))
        edges = [Edge(cursor=encode_position(FeedPosition.of(row)), node=PortalAnnouncement.of(view))
                 for row, view in zip(page.announcements, views, strict=True)]

        def count() -> int:
            return session.execute(select(func.count()).select_from(visible_to(viewer, today).subquery())).scalar_one()

        def any_before() -> bool:
            statement = visible_to(viewer, today).where(~after_position(position))
            return session.execute(select(statement.exists())).scalar_one()

        return Connection(edges=edges, count=count, page_info=PageInfo.of(
            [edge.cursor for edge in edges], has_next=page.more,
            has_previous=False if position is None else any_before))
