"""saveDraft and sendDraft: compose now, send later (CMP-28, with CSV-imported recipients)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.errors import FieldProblem, InvalidInput
from domain.messages.send import MessageNotFound, save_draft as store_draft, send_draft as send_stored_draft
from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, SendMessageInput, to_errors, to_request
from graph.messages.mutations.send_message import SendMessageResult, commit_send
from graph.messages.types import Message
from graph.pagination import parse_id
from graph.permissions import authorize_input, require, requires


@strawberry.type(description="The draft was saved; nothing was sent.")
class SaveDraftSuccess:
    message: Message


SaveDraftResult = Annotated[SaveDraftSuccess | SendMessageErrors, strawberry.union("SaveDraftResult")]


def save_draft(info: Info, input: SendMessageInput) -> SaveDraftResult:
    viewer = info.context.viewer
    if viewer.role in FAMILY_ROLES:
        require(viewer, Perm.SEND_MESSAGES)  # PERM-61: family users without it cannot save drafts
    authorize_input(viewer, input)
    session = info.context.session
    try:
        message = store_draft(session, viewer, to_request(input))
    except InvalidInput as invalid:
        session.rollback()
        return to_errors(invalid.problems)
    session.commit()
    return SaveDraftSuccess(message=Message.from_row(message))


def send_draft(info: Info, id: strawberry.ID, confirmed_recipient_count: int | None = None) -> SendMessageResult:
    viewer, session = info.context.viewer, info.context.session

    def store():
        try:
            return send_stored_draft(session, viewer, parse_id(id), confirmed_recipient_count,
                                     jobs=info.context.jobs)
        except MessageNotFound:
            raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", "No draft of yours has that id.")]) from None

    return commit_send(info, store)


@strawberry.type
class DraftMutations:
    save_draft: SaveDraftResult = strawberry.mutation(
        resolver=save_draft,
        **requires("Save a draft with everything composed so far (staff may save without Send Messages, PERM-09).",
                   Perm.COMMUNICATION),
    )
    send_draft: SendMessageResult = strawberry.mutation(
        resolver=send_draft,
        **requires("Send one of your drafts now, with its imported recipients.", Perm.COMMUNICATION,
                   Perm.SEND_MESSAGES),
    )
