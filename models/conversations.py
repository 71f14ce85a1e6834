"""Conversations: threads between two users and each one's state of them, answers filed from outside
the app, draft assignments, portal alerts, and the record of flagging."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text, UniqueConstraint
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


class Thread(SQLModel, table=True):
    """The conversation between two users, one per pair whoever wrote first (INB-01, RCP-26). Its
    messages are read from the ledger's in-app rows; its per-user state is in ThreadSide."""

    __table_args__ = (UniqueConstraint("low_user_id", "high_user_id", name="uq_thread_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    low_user_id: int = Field(foreign_key="app_user.id")
    high_user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ThreadSide(SQLModel, table=True):
    """One participant's state of a thread: which lists it is in (inbox when they received, sent
    when they sent, archive when archived), its unread count and last activity (INB-01..INB-21)."""

    __tablename__ = "thread_side"
    # The inbox, sent and archive lists are keyset pages of one user's sides in one order each.
    __table_args__ = (
        Index("ix_thread_side_inbox", "user_id", "last_received_at", "thread_id"),
        Index("ix_thread_side_sent", "user_id", "last_sent_at", "thread_id"),
        Index("ix_thread_side_activity", "user_id", "last_activity_at", "thread_id"),
    )

    thread_id: int = Field(foreign_key="thread.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    correspondent_id: int = Field(foreign_key="app_user.id")
    last_received_at: dt.datetime | None = None
    last_sent_at: dt.datetime | None = None  # never by a message sent as the district or a school (INB-21)
    last_activity_at: dt.datetime = Field(default_factory=utcnow)
    unread_count: int = Field(default=0)
    archived_at: dt.datetime | None = None
    # Whose archiving put it in the archive: the user, or the staff correspondent who archived a
    # staff–family thread for both (INB-16), which also stops the family side from continuing it.
    archived_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class DraftAssignment(SQLModel, table=True):
    """A draft handed from one user to another with a note (DRF-03..DRF-08); the latest row says
    who to assign it back to."""

    __tablename__ = "draft_assignment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    from_user_id: int = Field(foreign_key="app_user.id")
    to_user_id: int = Field(foreign_key="app_user.id")
    note: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow)


class PortalAlert(SQLModel, table=True):
    """A notice on a user's portal (DRF-05: a draft was assigned to you), until they have seen it."""

    __tablename__ = "portal_alert"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=32)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    text: str = Field(max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)
    seen_at: dt.datetime | None = None


class MessageFlagEvent(SQLModel, table=True):
    """Who flagged, unflagged or viewed a flagged message, and when (INB-09, PERM-41, PERM-57)."""

    __tablename__ = "message_flag_event"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    user_id: int = Field(foreign_key="app_user.id")
    action: str = Field(max_length=16)  # FLAGGED, UNFLAGGED, VIEWED
    created_at: dt.datetime = Field(default_factory=utcnow)


class ReferralRequest(SQLModel, table=True):
    """A referral asked for from a flagged message whose author is a student (INB-09, PERM-41)."""

    __tablename__ = "referral_request"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    student_id: int = Field(foreign_key="student.id")
    requested_by_id: int = Field(foreign_key="app_user.id")
    note: str = Field(default="", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)
