"""viewFlaggedMessage: read the content of a flagged message you received; the view is recorded
(INB-09), so it is a mutation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.moderation.flags import FlaggedContent, view_flagged_message as view
from graph.context import Info
from graph.conversations.arguments import ReceivedMessageIdArgument
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires


@strawberry.type(description="The real content of a message you received, flagged or not.")
class FlaggedMessageContent:
    message_id: strawberry.ID = strawberry.field(description="The message's id.")
    subject: str = strawberry.field(description="The real subject.")
    html_body: str = strawberry.field(description="The real body, as sanitized HTML.")
    text_body: str = strawberry.field(description="The real body as plain text.")
    flagged: bool = strawberry.field(description="Whether it is still flagged for its other readers.")
    viewed_at: dt.datetime | None = strawberry.field(
        description="When this view was recorded; null when the message is not flagged (nothing recorded).")

    @classmethod
    def of(cls, content: FlaggedContent) -> FlaggedMessageContent:
        message = content.message
        return cls(message_id=node_id(Kind.MESSAGE, message.id), subject=message.subject, html_body=message.html_body,
                   text_body=message.text_body, flagged=message.flagged, viewed_at=content.viewed_at)


ViewFlaggedMessageErrors = field_errors("ViewFlaggedMessage", ("NOT_FOUND",))
ViewFlaggedMessageResult = Annotated[FlaggedMessageContent | ViewFlaggedMessageErrors,
                                     strawberry.union(
    "ViewFlaggedMessageResult", description="The content, or NOT_FOUND.")]


@strawberry.type
class ViewFlaggedMessageMutation:
    @strawberry.mutation(**requires(
        "The content of a message you received while it stays flagged (INB-09, INB-10): who viewed it and when "
        "is recorded, so this is a mutation. The message stays flagged for every other reader. Another user's "
        "message is NOT_FOUND, like a missing one.",
        Perm.COMMUNICATION, Perm.FLAG_MESSAGES))
    def view_flagged_message(self, info: Info, message_id: ReceivedMessageIdArgument) -> ViewFlaggedMessageResult:
        return perform(info, lambda: view(info.context.session, viewer_id=info.context.viewer.id,
                                          message_id=parse_id(message_id, Kind.MESSAGE)),
                       refused=ViewFlaggedMessageErrors.of, done=FlaggedMessageContent.of)
