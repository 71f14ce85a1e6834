"""deleteAnnouncement: it leaves every portal and list; its postings stay in the ledger (ANN-21)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.announcements import editing
from domain.support.global_ids import Kind
from graph.announcements.queries import STAFF_ROLES, WHO_EDITS
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires

DeleteAnnouncementErrors = field_errors("DeleteAnnouncement", ("NOT_FOUND",))


@strawberry.type(description="The announcement is deleted: no portal, feed or list shows it (ANN-21).")
class AnnouncementDeleted:
    id: strawberry.ID = strawberry.field(description="The id the announcement had.")


DeleteAnnouncementResult = Annotated[AnnouncementDeleted | DeleteAnnouncementErrors, strawberry.union(
    "DeleteAnnouncementResult", description="The announcement deleted, or NOT_FOUND.")]


@strawberry.type
class DeleteAnnouncementMutation:
    @strawberry.mutation(**requires(
        "Delete an announcement you may change: your own, or as an administrator one whose every school is yours "
        f"(ANN-21). {WHO_EDITS}", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def delete_announcement(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The announcement (Announcement.id).")]) -> DeleteAnnouncementResult:
        return perform(info, lambda: editing.remove(info.context.session, info.context.viewer,
                                                    parse_id(id, Kind.ANNOUNCEMENT), events=info.context.events),
                       refused=DeleteAnnouncementErrors.of,
                       done=lambda removed: AnnouncementDeleted(id=node_id(Kind.ANNOUNCEMENT, removed)))
