"""Files attached to a message (ATT-*), kept in the database with the message."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from models.db import utcnow


class MessageAttachment(SQLModel, table=True):
    """A file attached to a message (ATT-*), kept in the database with the message, so a copy of
    a scheduled message's occurrence and every email of it carry the same bytes."""

    __tablename__ = "message_attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)
