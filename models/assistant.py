"""The writing assistant's call records (issue 18 point 6): who asked, when, for what, what it cost
in tokens and how it ended. No text is kept: what the user typed and what came back stay with them.
The per-user rate counts these rows (domain.assistant.call_log)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from models.db import utcnow


class AssistantOperation(str, enum.Enum):
    REWRITE = "REWRITE"  # AI-02: the Magic Wand on a given text
    GENERATE = "GENERATE"  # AI-05: new text from a prompt
    REFINE = "REFINE"  # AI-04: a suggestion changed by an instruction


class AssistantOutcome(str, enum.Enum):
    PENDING = "PENDING"  # the provider is being asked (a crash leaves it so; it still counts for the rate)
    OK = "OK"
    RATE_LIMITED = "RATE_LIMITED"  # refused by the user's rate before the provider was asked
    UNAVAILABLE = "UNAVAILABLE"  # the provider was busy, failing or unreachable: worth trying again
    FAILED = "FAILED"  # the provider refused or answered nonsense


class AssistantCall(SQLModel, table=True):
    __tablename__ = "assistant_call"
    __table_args__ = (Index("ix_assistant_call_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    operation: str = Field(sa_type=String(20))
    mode: str | None = Field(default=None, sa_type=String(40))  # the AI-02 mode of a rewrite
    try_again: bool = Field(default=False)  # AI-04: the same request sent again
    prompt_tokens: int | None = Field(default=None)
    completion_tokens: int | None = Field(default=None)
    outcome: str = Field(default=AssistantOutcome.PENDING.value, sa_type=String(20))
    #: The contract's error code (RATE_LIMITED, HTTP_500, BAD_RESPONSE …) when it did not end OK.
    error_code: str | None = Field(default=None, sa_type=String(40))
