"""Devices and browsers a user registered for Web Push."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from models.db import utcnow


class PushSubscription(SQLModel, table=True):
    """A browser or device a user registered for Web Push; removed when the push service says it
    is gone (404/410) or when the user removes it."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)
