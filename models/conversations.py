"""Conversations: a recipient's answers filed between a message's sender and that recipient."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from models.db import utcnow
from models.messaging import RecipientKind


class ThreadReply(SQLModel, table=True):
    """A recipient's answer to a message, filed in the conversation between the message's sender
    and that recipient (RCP-26, CMP-19, CMP-20). Inbound email is its first source."""

    __tablename__ = "thread_reply"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    delivery_id: int = Field(foreign_key="delivery.id")
    staff_user_id: int = Field(foreign_key="app_user.id")
    correspondent_kind: RecipientKind = Field(sa_type=String(8))
    correspondent_id: int
    from_address: str = Field(max_length=254)
    body_text: str = Field(sa_type=Text)
    # The message's identity (a Message-ID, a provider id, or a content hash): replays are ignored.
    external_message_id: str | None = Field(default=None, max_length=300, unique=True)
    flagged: bool = Field(default=False)  # INB-12: it contained a flagged word
    received_at: dt.datetime = Field(default_factory=utcnow)
