"""resendToFailed: queue a message's FAILED deliveries again, and only those (RPT-*)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.reports.communication_report import resend_failed
from graph.context import Info
from graph.errors import perform
from graph.messages.types import Message
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type(description="The message's failed deliveries are queued again.")
class ResendToFailedResult:
    message: Message | None
    requeued: int


@strawberry.type
class ResendToFailedMutation:
    @strawberry.mutation(**requires(
        "Queue a message's FAILED deliveries again, and only those: for its sender or a district administrator; "
        "null message when not found.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def resend_to_failed(self, info: Info, message_id: strawberry.ID) -> ResendToFailedResult:
        def done(found) -> ResendToFailedResult:  # committed: the domain action's dispatch jobs start now
            if found is None:
                return ResendToFailedResult(message=None, requeued=0)
            message, requeued = found
            return ResendToFailedResult(message=Message.from_row(message), requeued=len(requeued))

        return perform(info, lambda: resend_failed(info.context.session, info.context.viewer, parse_id(message_id),
                                                   info.context.jobs), done=done)
