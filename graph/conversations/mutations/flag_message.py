"""flagMessage: hide a message you received behind the placeholder for every reader (INB-09, INB-10)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.moderation.flags import FlagState, flag_message as flag
from graph.context import Info
from graph.conversations.arguments import ReceivedMessageIdArgument
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires


@strawberry.type(description="A message's flag after flagMessage or unflagMessage.")
class MessageFlag:
    message_id: strawberry.ID = strawberry.field(description="The message's id.")
    flagged: bool = strawberry.field(description="Whether it is flagged now.")
    changed: bool = strawberry.field(description="False when the message already was in that state: nothing "
                                                 "was recorded.")

    @classmethod
    def of(cls, state: FlagState) -> MessageFlag:
        return cls(message_id=node_id(Kind.MESSAGE, state.message_id), flagged=state.flagged, changed=state.changed)


FlagMessageErrors = field_errors("FlagMessage", ("NOT_FOUND", "CONFIRMATION_REQUIRED"))
FlagMessageResult = Annotated[MessageFlag | FlagMessageErrors, strawberry.union(
    "FlagMessageResult", description="The message's flag, or why nothing changed (NOT_FOUND, "
                                     "CONFIRMATION_REQUIRED).")]


@strawberry.type
class FlagMessageMutation:
    @strawberry.mutation(**requires(
        "Flag a message you received (in your inbox, sent or archive threads, INB-10): every reader then sees "
        '"Message Content Flagged" in its place (INB-09). Only with confirm: true (CONFIRMATION_REQUIRED); the '
        "flag is recorded (who, when) and announced on inboxUpdates. Another user's message is NOT_FOUND, like "
        "a missing one.",
        Perm.COMMUNICATION, Perm.FLAG_MESSAGES))
    def flag_message(self, info: Info, message_id: ReceivedMessageIdArgument,
                     confirm: Annotated[bool, strawberry.argument(description=(
                         "true once the user confirmed; false answers CONFIRMATION_REQUIRED and flags nothing."))]) -> FlagMessageResult:
        return perform(info, lambda: flag(info.context.session, info.context.events, viewer_id=info.context.viewer.id,
                                          message_id=parse_id(message_id, Kind.MESSAGE), confirm=confirm),
                       refused=FlagMessageErrors.of, done=MessageFlag.of)
