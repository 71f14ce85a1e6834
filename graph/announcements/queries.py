"""The announcement management list, one announcement, and the form's school options (ANN-05,
ANN-09, ANN-19)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from domain.access.permissions import CATALOGUE, Perm
from domain.announcements import listing
from domain.announcements.calendar import district_today
from domain.announcements.rules import managed_announcement
from domain.support.errors import AuthorizationError, InvalidInput
from domain.support.global_ids import Kind
from graph.announcements.types import Announcement
from graph.context import Info
from graph.directory.types import School
from graph.pagination import After, Connection, Edge, First, PageInfo, decode_key, encode_cursor, page_size, parse_id
from graph.permissions import denied, requires
from models.directory import PermissionLevel, Role

#: Announcements are staff content: administrators with "Announcements" (PERM-25), teachers with
#: "Class Announcements" (PERM-48); the domain refuses anyone else (domain.announcements.rules).
STAFF_ROLES = (Role.ADMIN, Role.TEACHER)
WHO_MANAGES = (f"Administrators need {CATALOGUE[Perm.ANNOUNCEMENTS].describe()}, teachers "
               f"{CATALOGUE[Perm.CLASS_ANNOUNCEMENTS].describe()} for their own class announcements.")
#: The same for a change (PERM-25 at Edit).
WHO_EDITS = (f"Administrators need {CATALOGUE[Perm.ANNOUNCEMENTS].describe(PermissionLevel.EDIT)}, teachers "
             f"{CATALOGUE[Perm.CLASS_ANNOUNCEMENTS].describe()} for their own class announcements.")
CURSOR_KIND = "announcement"


def _viewer_allowed(action):
    """Run ``action``; a domain AuthorizationError is a top-level FORBIDDEN."""
    try:
        return action()
    except AuthorizationError as refusal:
        raise denied(refusal) from None


def shown(info: Info, rows) -> list[Announcement]:
    """The rows as the API shows them, with their columns loaded for all of them at once."""
    session, viewer = info.context.session, info.context.viewer
    views = listing.announcement_views(session, viewer, list(rows))
    today = district_today(viewer.district)
    return [Announcement.of(views[row.id], today) for row in rows]


def shown_announcement(info: Info, announcement_id: int) -> Announcement:
    row = managed_announcement(info.context.session, info.context.viewer, announcement_id)
    return shown(info, [row])[0]


@strawberry.input(description="Which announcements the management list shows (ANN-19); the toggles combine.")
class AnnouncementFilter:
    title_contains: str | None = strawberry.field(default=None, description=(
        "Only titles containing this text, any case; null or blank: every title."))
    include_inactive: bool = strawberry.field(default=False, description=(
        "Also those whose end date has passed."))
    include_all_schools: bool = strawberry.field(default=False, description=(
        "Also district-wide ones (no school selected, ANN-06)."))


def _after_key(after: str | None):
    key = decode_key(CURSOR_KIND, after)
    if key is not None and not listing.valid_key(key):
        raise GraphQLError("the cursor is not valid for this list", extensions={"code": "BAD_USER_INPUT"})
    return key


@strawberry.type
class AnnouncementQueries:
    @strawberry.field(**requires(
        "The announcements you manage, in ANN-09's order (sorted ones first by sort order, then newest start date "
        "first), 50 a page by default, leaving out inactive and district-wide ones unless the filter asks (ANN-19). "
        f"{WHO_MANAGES} An administrator manages their own and those whose every school is theirs; a teacher their "
        "own class announcements.", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def announcements(self, info: Info, filter: Annotated[AnnouncementFilter | None, strawberry.argument(
            description="Title, inactive and all-schools filters.")] = None, first: First = None,
                      after: After = None) -> Connection[Announcement]:
        chosen = filter or AnnouncementFilter()
        session, viewer = info.context.session, info.context.viewer
        where = _viewer_allowed(lambda: listing.list_filter(session, viewer, listing.AnnouncementFilter(
            title_contains=chosen.title_contains, include_inactive=chosen.include_inactive,
            include_all_schools=chosen.include_all_schools)))
        rows, more = listing.page(session, where, page_size(first) if first is not None else 50, _after_key(after))
        edges = [Edge(cursor=encode_cursor(CURSOR_KIND, listing.list_key(row)), node=node)
                 for row, node in zip(rows, shown(info, rows), strict=True)]
        return Connection(edges=edges, count=lambda: listing.count(session, where), page_info=PageInfo.of(
            [edge.cursor for edge in edges], has_next=more, has_previous=after is not None))

    @strawberry.field(**requires(
        f"One announcement you manage; null when not found (one you may not manage answers the same). {WHO_MANAGES}",
        Perm.COMMUNICATION, roles=STAFF_ROLES))
    def announcement(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The announcement (Announcement.id).")]) -> Announcement | None:
        try:
            return _viewer_allowed(lambda: shown_announcement(info, parse_id(id, Kind.ANNOUNCEMENT)))
        except InvalidInput:  # AnnouncementNotFound
            return None

    @strawberry.field(**requires(
        "The schools an announcement of yours may select: yours, by the district's school order and then by name "
        "(ANN-05). Schools carry no minimum or maximum school year in Homeroom, so none is left out for one. "
        f"{WHO_MANAGES}", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def announcement_school_options(self, info: Info) -> list[School]:
        rows = _viewer_allowed(lambda: listing.school_options(info.context.session, info.context.viewer))
        return [School.from_row(row) for row in rows]
