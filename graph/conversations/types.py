"""Conversation types: the thread between the viewer and one recipient (RCP-26)."""

from __future__ import annotations

import datetime as dt

import strawberry

from graph.messages.types import Delivery, Message, RecipientKind
from graph.pagination import Connection


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
