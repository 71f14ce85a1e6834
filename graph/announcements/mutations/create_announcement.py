"""createAnnouncement: a new announcement (ANN-01…ANN-07, ANN-12, ANN-22, TRN-04)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.announcements import editing
from domain.support.errors import Refusal
from graph.announcements.inputs import AnnouncementInput, to_announcement_request
from graph.announcements.queries import STAFF_ROLES, WHO_EDITS, shown_announcement
from graph.announcements.types import Announcement
from graph.context import Info
from graph.errors import TRANSLATION_CODES, UserErrors, field_errors, perform
from graph.permissions import authorize_input, requires
from domain.access.permissions import Perm

#: The codes of an announcement's fields (domain.announcements.validation).
ANNOUNCEMENT_INPUT_CODES = ("REQUIRED", "TOO_LONG", "INVALID_CHARACTERS", "NOT_FOUND", "DUPLICATE", "INVALID",
                            "CONFLICT", "END_BEFORE_START", *TRANSLATION_CODES)
CONFIRM_ARGUMENT = strawberry.argument(description=(
    "Confirms posting to all schools, which an administrator reaching more than five schools must (ANN-07)."))


@strawberry.type(description="The announcement as saved.")
class AnnouncementSaved:
    announcement: Announcement = strawberry.field(description="The announcement, with every field.")


@strawberry.type(description=(
    "ANN-07: the announcement goes to all schools and you reach more than five; nothing was written. Repeat with "
    "confirm: true to post it."))
class AnnouncementConfirmationRequired:
    school_count: int = strawberry.field(description="How many schools it will reach.")
    detail: str = strawberry.field(description="A sentence to show the author.")


def refused_or_confirm(errors: type[UserErrors]):
    """The payload of a refused save: ANN-07's confirmation, or ``errors``."""
    def refused(refusal: Refusal):
        if isinstance(refusal, editing.SchoolCountToConfirm):
            return AnnouncementConfirmationRequired(
                school_count=refusal.school_count,
                detail=f"This announcement reaches all {refusal.school_count} schools; confirm to post it.")
        return errors.of(refusal)
    return refused


CreateAnnouncementErrors = field_errors("CreateAnnouncement", ANNOUNCEMENT_INPUT_CODES)
CreateAnnouncementResult = Annotated[
    AnnouncementSaved | AnnouncementConfirmationRequired | CreateAnnouncementErrors,
    strawberry.union("CreateAnnouncementResult", description=(
        "The announcement created, the school count to confirm (ANN-07), or why not; nothing is written then."))]


@strawberry.type
class CreateAnnouncementMutation:
    @strawberry.mutation(**requires(
        "Create an announcement with a title (ANN-01), shown from its start date (default today) with no end unless "
        "given (ANN-02), to at least one profile unless public (ANN-03), at your schools or district-wide (ANN-05, "
        "ANN-06). A teacher's is a class announcement for sections of their own schedule (PERM-48, ANN-22). The "
        "email, SMS, call, push and public fields need the permissions their descriptions name; without one the "
        f"mutation is refused and nothing is written. {WHO_EDITS}", Perm.COMMUNICATION, roles=STAFF_ROLES))
    def create_announcement(self, info: Info, input: Annotated[AnnouncementInput, strawberry.argument(
            description="The announcement's fields.")], confirm: Annotated[bool, CONFIRM_ARGUMENT] = False
                            ) -> CreateAnnouncementResult:
        authorize_input(info.context.viewer, input)
        return perform(info, lambda: editing.create(info.context.session, info.context.viewer,
                                                    to_announcement_request(input, confirm=confirm),
                                                    events=info.context.events),
                       refused=refused_or_confirm(CreateAnnouncementErrors),
                       done=lambda row: AnnouncementSaved(announcement=shown_announcement(info, row.id)))
