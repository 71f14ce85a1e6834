"""Call audio: synthesized speech kept per message, language and script, and recorded calls
(VOI-04); both deleted with their message."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import utcnow


class SpeechAudio(SQLModel, table=True):
    __tablename__ = "speech_audio"
    __table_args__ = (UniqueConstraint("message_id", "language", "script_sha256", name="uq_speech_audio_script"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(sa_column=Column(Integer, ForeignKey("message.id", ondelete="CASCADE"), nullable=False))
    language: str = Field(max_length=16)
    script_sha256: str = Field(max_length=64)  # scripts differ per recipient when they hold insert fields
    content_type: str = Field(max_length=40)
    data: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)


class CallRecording(SQLModel, table=True):
    """A message's recorded call (VOI-04): played instead of text-to-speech. Recording again
    replaces it; it is kept in the telephone format and deleted with its message."""

    __tablename__ = "call_recording"

    message_id: int = Field(sa_column=Column(Integer, ForeignKey("message.id", ondelete="CASCADE"), primary_key=True))
    content_type: str = Field(max_length=40)
    seconds: float
    data: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)
