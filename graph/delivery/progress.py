"""messageProgress: a message's delivery counts and status, streamed live over WebSocket
(graphql-transport-ws) to partners, until the message completes.

The reads are shared: every subscriber of a message in this process follows one watch
(graph.delivery.progress_watch), which reads once per burst of notices per delivery scope and
checks each viewer's access again without a read per subscriber per event."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from domain.access.scopes import Scope
from graph.context import Info
from graph.delivery import progress_watch
from graph.delivery.progress_types import AccessEnded, MessageProgress
from graph.pagination import parse_id
from graph.permissions import requires
from models import messaging as db

#: What subscribing needs; checked again with the rest of the viewer's access.
REQUIRED = progress_watch.REQUIRED

__all__ = ["MessageProgress", "ProgressSubscriptions"]


@strawberry.type
class ProgressSubscriptions:
    @strawberry.subscription(**requires(
        "Live progress of a message the viewer may read (as message(id)): the current counts at once, then "
        "each change (a burst of changes comes as one event), ending after the message completes. The token "
        "or partner key goes in the connection_init payload; access is checked again as the counts change "
        "(at least every few seconds), and the connection closes (4403) when the token expires, the key is "
        "revoked or the account is deactivated.",
        *REQUIRED, scopes=(Scope.DELIVERIES_READ,)))
    async def message_progress(self, info: Info, message_id: Annotated[strawberry.ID, strawberry.argument(
            description="The message to follow (Message.id); one the viewer may not read is NOT_FOUND.")]) -> AsyncGenerator[MessageProgress, None]:
        context = info.context
        wanted = parse_id(message_id, Kind.MESSAGE)
        async with progress_watch.follow(context.engine, context.events, wanted, context.viewer) as follower:
            last = None
            while last is None or last.status is not db.MessageStatus.COMPLETED:
                current = await follower.next()
                if current is AccessEnded.ACCOUNT_INACTIVE:
                    await context.revoke_access(current.value)
                    return
                if current is AccessEnded.MESSAGE_HIDDEN:
                    raise GraphQLError(f"message {message_id} not found", extensions={"code": "NOT_FOUND"})
                if isinstance(current, GraphQLError):
                    raise current
                if last is None or current.key() != last.key():
                    yield current
                last = current
