"""saveDraft: compose now, send later (CMP-28)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from domain.messages.send import save_draft as store_draft
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, field_errors, perform
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.types import Message
from graph.permissions import authorize_input, require, requires


@strawberry.type(description="The draft was saved; nothing was sent.")
class SaveDraftSuccess:
    message: Message


SaveDraftErrors = field_errors("SaveDraft", MESSAGE_INPUT_CODES)
SaveDraftResult = Annotated[SaveDraftSuccess | SaveDraftErrors, strawberry.union("SaveDraftResult")]


def save_draft(info: Info, input: SendMessageInput) -> SaveDraftResult:
    viewer = info.context.viewer
    if viewer.role in FAMILY_ROLES:
        require(viewer, Perm.SEND_MESSAGES)  # PERM-61: family users without it cannot save drafts
    authorize_input(viewer, input)
    return perform(info, lambda: store_draft(info.context.session, viewer, to_request(input)),
                   refused=SaveDraftErrors.of, done=lambda message: SaveDraftSuccess(message=Message.from_row(message)))


@strawberry.type
class SaveDraftMutation:
    save_draft: SaveDraftResult = strawberry.mutation(
        resolver=save_draft,
        **requires("Save a draft with everything composed so far (staff may save without Send Messages, PERM-09).",
                   Perm.COMMUNICATION),
    )
