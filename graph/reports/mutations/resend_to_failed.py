"""resendToFailed: queue a message's FAILED deliveries again, and only those (RPT-*)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.reports.communication_report import resend_failed
from graph.context import Info
from graph.errors import field_errors, perform
from graph.messages.message import Message
from graph.pagination import parse_id
from graph.permissions import requires

ResendToFailedErrors = field_errors("ResendToFailed", ("NOT_FOUND",))


@strawberry.type(description="The message's failed deliveries are queued again.")
class ResendToFailedSuccess:
    message: Message = strawberry.field(description="The message, sending again when any delivery was requeued.")
    requeued: int = strawberry.field(description="How many FAILED deliveries were queued again (0: none had failed).")


ResendToFailedResult = Annotated[ResendToFailedSuccess | ResendToFailedErrors, strawberry.union(
    "ResendToFailedResult", description="What resendToFailed answers: how many deliveries were queued again, or NOT_FOUND.")]
NOT_FOUND_MESSAGE = "No message you sent (or, as a district administrator, can read) has that id."


@strawberry.type
class ResendToFailedMutation:
    @strawberry.mutation(**requires(
        "Queue a message's FAILED deliveries again, and only those: for its sender or a district administrator. "
        "A message you may not resend and a missing id are NOT_FOUND, alike.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def resend_to_failed(self, info: Info, message_id: Annotated[strawberry.ID, strawberry.argument(
            description="The message (Message.id).")]) -> ResendToFailedResult:
        def done(found) -> ResendToFailedSuccess:  # committed: the domain action's dispatch jobs start now
            if found is None:
                return ResendToFailedErrors.not_found("messageId", NOT_FOUND_MESSAGE)
            message, requeued = found
            return ResendToFailedSuccess(message=Message.from_row(message), requeued=len(requeued))

        return perform(info, lambda: resend_failed(info.context.session, info.context.viewer, parse_id(message_id, Kind.MESSAGE),
                                                   info.context.jobs), done=done)
