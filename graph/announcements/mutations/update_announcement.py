"""updateAnnouncement: change the fields given, inline from the list or in full, and re-post (ANN-20)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.announcements import editing
from domain.support.global_ids import Kind
from graph.announcements.inputs import AnnouncementInput, to_announcement_request
from graph.announcements.mutations.create_announcement import (
    ANNOUNCEMENT_INPUT_CODES, CONFIRM_ARGUMENT, AnnouncementConfirmationRequired, AnnouncementSaved, refused_or_confirm,
)
from graph.announcements.queries import STAFF_ROLES, WHO_EDITS, shown_announcement
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires

UpdateAnnouncementErrors = field_errors("UpdateAnnouncement", ANNOUNCEMENT_INPUT_CODES)
UpdateAnnouncementResult = Annotated[
    AnnouncementSaved | AnnouncementConfirmationRequired | UpdateAnnouncementErrors,
    strawberry.union("UpdateAnnouncementResult", description=(
        "The announcement as changed, the school count to confirm (ANN-07), or why not (NOT_FOUND at id: no "
        "announcement you manage has it); nothing is written then."))]


@strawberry.type
class UpdateAnnouncementMutation:
    @strawberry.mutation(**requires(
        "Change the fields given and keep the rest: an inline edit from the list sends the title, dates, profiles, "
        "schools, grade levels, student contacts, push or public flag it changes; a full edit may also change the "
        "body and attachments and re-post (ANN-20). A field given with its current value is no change and needs no "
        "permission; a changed email, SMS, call, push or public flag needs the permission its description names, "
        "removing one too (null removes an attachment, ANN-12). An administrator may change their own "
        "announcements and those whose every school is theirs; a teacher their own class announcements. "
        f"{WHO_EDITS}", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def update_announcement(
            self, info: Info,
            id: Annotated[strawberry.ID, strawberry.argument(description="The announcement (Announcement.id).")],
            input: Annotated[AnnouncementInput, strawberry.argument(description="The fields to change.")],
            repost: Annotated[bool, strawberry.argument(description=(
                "Post it again: the queue posts it once more, with its email, SMS, call and push, on its start "
                "date or at the next queue run if that has passed (ANN-20)."))] = False,
            confirm: Annotated[bool, CONFIRM_ARGUMENT] = False) -> UpdateAnnouncementResult:
        # No authorize_input: a gated field sent back with its current value is no change; the domain
        # checks each changed value (domain.announcements.rules.check_fields).
        announcement_id = parse_id(id, Kind.ANNOUNCEMENT)
        return perform(info, lambda: editing.update(info.context.session, info.context.viewer, announcement_id,
                                                    to_announcement_request(input, repost=repost, confirm=confirm),
                                                    events=info.context.events),
                       refused=refused_or_confirm(UpdateAnnouncementErrors),
                       done=lambda row: AnnouncementSaved(announcement=shown_announcement(info, row.id)))
