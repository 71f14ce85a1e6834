"""cancelScheduledMessage: nothing of a scheduled message is sent any more."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.messages.send import MessageNotFound
from domain.scheduling.scheduled_messages import cancel_scheduled_message as cancel
from graph.context import Info
from graph.errors import perform
from graph.messages.types import Message
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type
class CancelScheduledMessageMutation:
    @strawberry.mutation(**requires("Cancel a scheduled message: nothing of it is sent any more.",
                                    Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def cancel_scheduled_message(self, info: Info, id: strawberry.ID) -> Message | None:
        def cancelled() -> Message | None:
            try:
                return Message.from_row(cancel(info.context.session, info.context.viewer, parse_id(id)))
            except MessageNotFound:  # found nothing, so wrote nothing
                return None

        return perform(info, cancelled, done=lambda message: message)
