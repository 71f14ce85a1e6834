"""Message queries: one message with its delivery ledger."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.access.scopes import Scope
from domain.reports.communication_report import visible_message
from graph.context import Info
from graph.messages.message import Message
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type
class MessageQueries:
    @strawberry.field(**requires("A message whose report the viewer may read (their own; an administrator's "
                                 "colleagues' and schools', drafts excepted; every sent message for a district "
                                 "administrator), with its delivery ledger (someone else's: the recipients in your "
                                 "scope; a partner key limited to schools: the messages that reached them, and only those "
                                 "deliveries); null when not found.", Perm.COMMUNICATION,
                                 scopes=(Scope.MESSAGES_READ,)))
    def message(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The message (Message.id).")]) -> Message | None:
        row = visible_message(info.context.session, info.context.viewer, parse_id(id, Kind.MESSAGE))
        return Message.from_row(row) if row else None
