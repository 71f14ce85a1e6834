"""The thread query: the conversation between the viewer and one recipient (RCP-26)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.conversations.threads import replies_from, sent_thread
from domain.content.flagging import PLACEHOLDER
from graph.context import Info
from graph.conversations.types import MessageThread, ThreadEntry, ThreadReplyItem
from graph.messages.types import Delivery, Message, RecipientKind
from graph.pagination import connection, decode_cursor, page_size, parse_id
from graph.permissions import requires
from models import messaging as db


@strawberry.type
class ConversationQueries:
    @strawberry.field(**requires(
        "The conversation between the viewer and one recipient: every message the viewer sent "
        "that reached them (batch messages included), newest first, each with its deliveries to them (RCP-26).",
        Perm.COMMUNICATION))
    def thread(self, info: Info, recipient_kind: RecipientKind, recipient_id: strawberry.ID, first: int = 20,
               after: str | None = None) -> MessageThread:
        first = page_size(first)
        page = sent_thread(info.context.session, info.context.viewer.id, db.RecipientKind(recipient_kind.value),
                           parse_id(recipient_id), before_message_id=decode_cursor("thread", after),
                           limit=first + 1)
        newest = page.entries[0].deliveries[0] if page.entries and page.entries[0].deliveries else None
        replies = replies_from(info.context.session, info.context.viewer.id, db.RecipientKind(recipient_kind.value),
                               parse_id(recipient_id))
        return MessageThread(
            replies=[ThreadReplyItem(id=strawberry.ID(str(r.id)), message_id=strawberry.ID(str(r.message_id)),
                                     from_address=r.from_address, received_at=r.received_at, flagged=r.flagged,
                                     body_text=PLACEHOLDER if r.flagged else r.body_text)
                     for r in replies],
            recipient_kind=recipient_kind, recipient_id=recipient_id,
            recipient_name=newest.recipient_name if newest else None,
            entries=connection("thread", page.entries, [entry.message.id for entry in page.entries], first,
                               page.total, lambda entry: ThreadEntry(
                                   message=Message.in_conversation(entry.message),
                                   deliveries=[Delivery.from_row(d) for d in entry.deliveries])),
        )
