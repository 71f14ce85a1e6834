"""Message queries."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.access.permissions import Perm
from domain.content.flagging import PLACEHOLDER
from domain.reports.communication_report import visible_message
from domain.conversations.threads import replies_from, sent_thread
from graph.context import Info
from graph.messages.types import Delivery, Message, RecipientKind
from graph.pagination import Connection, connection, decode_cursor, page_size, parse_id
from graph.permissions import requires

from models import messaging as db


@strawberry.type(description="One message of a conversation, with its deliveries to that recipient.")
class ThreadEntry:
    message: Message
    deliveries: list[Delivery]


@strawberry.type(description="The conversation between the viewer and one recipient (RCP-26).")
class MessageThread:
    recipient_kind: RecipientKind
    recipient_id: strawberry.ID
    recipient_name: str | None = strawberry.field(description="As on the newest delivery; null when none.")
    entries: Connection[ThreadEntry] = strawberry.field(description="Newest first.")
    replies: list[ThreadReplyItem] = strawberry.field(
        description="The recipient's answers (by email to the reply address), newest first; at most 100.")


@strawberry.type(description="A recipient's answer filed in the conversation.")
class ThreadReplyItem:
    id: strawberry.ID
    message_id: strawberry.ID = strawberry.field(description="The message it answers.")
    from_address: str
    body_text: str = strawberry.field(description="The new text, quoted history stripped; the placeholder "
                                                  '"Message Content Flagged" when it is flagged (INB-11, INB-12).')
    flagged: bool
    received_at: dt.datetime


@strawberry.type
class MessageQueries:
    @strawberry.field(**requires("A message whose report the viewer may read (their own; an administrator's "
                                 "colleagues' and schools', drafts excepted; every sent message for a district "
                                 "administrator), with its delivery ledger (someone else's: the recipients in your "
                                 "scope); null when not found.", Perm.COMMUNICATION))
    def message(self, info: Info, id: strawberry.ID) -> Message | None:
        row = visible_message(info.context.session, info.context.viewer, parse_id(id))
        return Message.from_row(row) if row else None

    @strawberry.field(**requires(
        "The conversation between the viewer and one recipient: every message the viewer sent "
        "that reached them (batch messages included), newest first, each with its deliveries to them (RCP-26).",
        Perm.COMMUNICATION))
    def thread(self, info: Info, recipient_kind: RecipientKind, recipient_id: strawberry.ID, first: int = 20,
               after: str | None = None) -> MessageThread:
        first = page_size(first)
        page = sent_thread(info.context.session, info.context.viewer.id, db.RecipientKind(recipient_kind.value),
                           parse_id(recipient_id, "recipientId"), before_message_id=decode_cursor("thread", after),
                           limit=first + 1)
        newest = page.entries[0].deliveries[0] if page.entries and page.entries[0].deliveries else None
        replies = replies_from(info.context.session, info.context.viewer.id, db.RecipientKind(recipient_kind.value),
                               parse_id(recipient_id, "recipientId"))
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

