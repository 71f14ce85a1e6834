"""cancelScheduledMessage: nothing of a scheduled message is sent any more."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.messages.send import MessageNotFound
from domain.scheduling.scheduled_messages import cancel_scheduled_message as cancel
from graph.context import Info
from graph.errors import field_errors, perform
from graph.messages.message import Message
from graph.pagination import parse_id
from graph.permissions import requires

CancelScheduledMessageErrors = field_errors("CancelScheduledMessage", ("NOT_FOUND",))


@strawberry.type(description="The scheduled message is cancelled: nothing of it is sent any more.")
class CancelScheduledMessageSuccess:
    message: Message = strawberry.field(description="The message, now CANCELLED.")


CancelScheduledMessageResult = Annotated[CancelScheduledMessageSuccess | CancelScheduledMessageErrors,
                                         strawberry.union("CancelScheduledMessageResult", description=(
    "What cancelScheduledMessage answers: the cancelled message, or NOT_FOUND."))]
NOT_FOUND_MESSAGE = "No scheduled message of yours that can still be cancelled has that id."


@strawberry.type
class CancelScheduledMessageMutation:
    @strawberry.mutation(**requires(
        "Cancel one of your scheduled messages (pending, recurring or errored): nothing of it is sent any more. "
        "Another user's message, one already cancelled and a missing id are all NOT_FOUND, alike.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def cancel_scheduled_message(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The scheduled message (Message.id).")]) -> CancelScheduledMessageResult:
        def cancelled() -> CancelScheduledMessageSuccess | None:
            try:
                return CancelScheduledMessageSuccess(
                    message=Message.from_row(cancel(info.context.session, info.context.viewer, parse_id(id, Kind.MESSAGE))))
            except MessageNotFound:  # found nothing, so wrote nothing
                return None

        return perform(info, cancelled, done=lambda success: success or CancelScheduledMessageErrors.not_found(
            "id", NOT_FOUND_MESSAGE))
