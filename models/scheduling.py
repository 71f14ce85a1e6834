"""When a scheduled message goes out (SCH-*): its schedule row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlmodel import Field, SQLModel


class MessageSchedule(SQLModel, table=True):
    """When a scheduled message goes out (SCH-*): wall-clock date and time in the district's zone,
    an optional recurrence, and the next send instant the communication queue looks for."""

    __tablename__ = "message_schedule"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    start_date: dt.date
    send_time: dt.time
    recurrence: str = Field(default="NONE", sa_type=String(10))
    final_date: dt.date | None = None
    next_send_at: dt.datetime | None = Field(default=None, index=True)
    last_sent_at: dt.datetime | None = None
    last_occurrence_id: int | None = Field(default=None, foreign_key="message.id")
    failed_attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=300)
    errored_at: dt.datetime | None = None
