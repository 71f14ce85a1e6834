"""sendDraft: send one of your drafts now, with its CSV-imported recipients (CMP-28)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.messages.send import MessageNotFound, send_draft as send_stored_draft
from domain.support.errors import FieldProblem, InvalidInput
from graph.context import Info
from graph.errors import NEW_MESSAGE_CODES, field_errors
from graph.messages.sending import SendMessageConfirmationRequired, SendMessageSuccess, send_now
from graph.pagination import parse_id
from graph.permissions import requires

#: A missing draft, a draft without recipients (CMP-02), a prior school year (SYS-08).
SendDraftErrors = field_errors("SendDraft", ("NOT_FOUND", "RECIPIENTS_EMPTY", *NEW_MESSAGE_CODES))
SendDraftResult = Annotated[SendMessageSuccess | SendDraftErrors | SendMessageConfirmationRequired,
                            strawberry.union("SendDraftResult", description=(
    "What sendDraft answers: the message sent, a recipient count to confirm (CMP-27), or the input's errors."))]


def send_draft(info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="One of your drafts (Draft.id).")],
               confirmed_recipient_count: Annotated[int | None, strawberry.argument(description=(
                   "The recipient count you confirm, as the confirmation request gave it; needed above 100 "
                   "recipients or when the district always confirms (CMP-27). Null: not confirmed yet."))] = None) -> SendDraftResult:
    viewer, session = info.context.viewer, info.context.session

    def store():
        try:
            return send_stored_draft(session, viewer, parse_id(id, Kind.MESSAGE), confirmed_recipient_count,
                                     jobs=info.context.jobs)
        except MessageNotFound:
            raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", "No draft of yours has that id.")]) from None

    return send_now(info, store, SendDraftErrors)


@strawberry.type
class SendDraftMutation:
    send_draft: SendDraftResult = strawberry.mutation(
        resolver=send_draft,
        **requires("Send one of your drafts now, with its imported recipients.", Perm.COMMUNICATION,
                   Perm.SEND_MESSAGES),
    )
