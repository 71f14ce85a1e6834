"""unflagMessage: show a flagged message you received again, flagged by hand or by the flagged words
(INB-09, INB-11)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.moderation.flags import unflag_message as unflag
from graph.context import Info
from graph.conversations.arguments import ReceivedMessageIdArgument
from graph.conversations.mutations.flag_message import MessageFlag
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires

UnflagMessageErrors = field_errors("UnflagMessage", ("NOT_FOUND",))
UnflagMessageResult = Annotated[MessageFlag | UnflagMessageErrors, strawberry.union(
    "UnflagMessageResult", description="The message's flag, or NOT_FOUND.")]


@strawberry.type
class UnflagMessageMutation:
    @strawberry.mutation(**requires(
        "Remove the flag of a message you received, whether flagged by hand or automatically for a flagged word "
        "(INB-09, INB-11): every reader sees its content again. Recorded (who, when) and announced on "
        "inboxUpdates. Another user's message is NOT_FOUND, like a missing one.",
        Perm.COMMUNICATION, Perm.FLAG_MESSAGES))
    def unflag_message(self, info: Info, message_id: ReceivedMessageIdArgument) -> UnflagMessageResult:
        return perform(info, lambda: unflag(info.context.session, info.context.events,
                                            viewer_id=info.context.viewer.id, message_id=parse_id(message_id, Kind.MESSAGE)),
                       refused=UnflagMessageErrors.of, done=MessageFlag.of)
