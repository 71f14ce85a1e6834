"""Message templates (TPL-*), the letterheads messages and templates print under (CMP-03), and the
letter log a message with Add Log Record writes (CMP-10).

A template is content a message copies when it is used (CMP-35): nothing points from a message to
the template it came from, so editing or deleting a template never reaches a message (TPL-14).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Index, LargeBinary, String, Text, text
from sqlmodel import Field, SQLModel

from models.db import utcnow


class TabTarget(str, enum.Enum):
    """Where a template is offered besides the picker (TPL-06): a Student Info tab's printable
    forms and letters, or one of the features that take a Communication template instead."""

    GENERAL = "GENERAL"
    ADDRESSES_AND_CONTACTS = "ADDRESSES_AND_CONTACTS"
    ENROLLMENT = "ENROLLMENT"
    SCHEDULE = "SCHEDULE"
    GRADES = "GRADES"
    ATTENDANCE = "ATTENDANCE"
    DISCIPLINE = "DISCIPLINE"
    MEDICAL = "MEDICAL"
    POSTSECONDARY_WAITLIST = "POSTSECONDARY_WAITLIST"
    SCHOOL_CHOICE = "SCHOOL_CHOICE"
    APPLICATION_EDITOR = "APPLICATION_EDITOR"
    ASSET_CHECKOUT = "ASSET_CHECKOUT"
    ASSET_CHECKIN = "ASSET_CHECKIN"


#: The targets that are features rather than Student Info tabs (TPL-06).
FEATURE_TARGETS = frozenset({TabTarget.POSTSECONDARY_WAITLIST, TabTarget.SCHOOL_CHOICE, TabTarget.APPLICATION_EDITOR,
                             TabTarget.ASSET_CHECKOUT, TabTarget.ASSET_CHECKIN})


class LetterheadUse(str, enum.Enum):
    """What a letterhead is available for (CMP-03): Communication accepts only its own."""

    COMMUNICATION = "COMMUNICATION"
    REPORT_CARDS = "REPORT_CARDS"
    TRANSCRIPTS = "TRANSCRIPTS"
    FORMS = "FORMS"


class Letterhead(SQLModel, table=True):
    """A header and footer letters print under; ``available_for`` lists LetterheadUse values."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    header_html: str = Field(default="", sa_type=Text)
    footer_html: str = Field(default="", sa_type=Text)
    available_for: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: dt.datetime = Field(default_factory=utcnow)


class MessageTemplate(SQLModel, table=True):
    """Every field of TPL-01 a message can copy (CMP-35). Polls and sign-ups join with their issue."""

    __tablename__ = "message_template"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="app_user.id", index=True)
    title: str = Field(max_length=200)
    subject: str = Field(default="", max_length=200)  # blank: "New Message" when used (TPL-01)
    html_body: str = Field(default="", sa_type=Text)
    sms_text: str | None = Field(default=None, sa_type=Text)
    call_text: str | None = Field(default=None, sa_type=Text)
    letterhead_id: int | None = Field(default=None, foreign_key="letterhead.id")
    tab_target: TabTarget | None = Field(default=None, sa_type=String(40))
    academic_record_category: str | None = Field(default=None, max_length=100)  # docmgmt (PERM-37)
    secure: bool = Field(default=False)
    priority: bool = Field(default=False)
    add_log_record: bool = Field(default=False)
    push: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class MessageTemplateProfile(SQLModel, table=True):
    """A profile a template is shared with (TPL-03); none: private (TPL-02)."""

    __tablename__ = "message_template_profile"
    __table_args__ = (Index("ix_message_template_profile_profile", "profile_id"),)

    template_id: int = Field(foreign_key="message_template.id", primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", primary_key=True)


class MessageTemplateSchool(SQLModel, table=True):
    """A school a shared template is limited to (TPL-03); none: every school."""

    __tablename__ = "message_template_school"

    template_id: int = Field(foreign_key="message_template.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True)


class MessageTemplateAttachment(SQLModel, table=True):
    """A file a template carries (TPL-01); copied onto the message that uses it."""

    __tablename__ = "message_template_attachment"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="message_template.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)


class LetterLogSource(str, enum.Enum):
    SENT = "SENT"
    PRINTED = "PRINTED"


STUDENT_ENTRY_SQL = text("student_id IS NOT NULL")
USER_ENTRY_SQL = text("user_id IS NOT NULL")


class LetterLog(SQLModel, table=True):
    """One letter on one student's or user's record (CMP-10), filed under the message's academic
    record category when it has one (CMP-04). A message is logged once per (source, student or
    user): a reprint, a double click or a job run twice adds nothing (the writers insert with ON
    CONFLICT DO NOTHING against the two partial unique keys; NULLs never collide in a plain one)."""

    __tablename__ = "letter_log"
    __table_args__ = (
        Index("ix_letter_log_student", "student_id"),
        Index("ix_letter_log_message", "message_id"),
        Index("ux_letter_log_student_entry", "message_id", "source", "student_id", unique=True,
              postgresql_where=STUDENT_ENTRY_SQL, sqlite_where=STUDENT_ENTRY_SQL),
        Index("ux_letter_log_user_entry", "message_id", "source", "user_id", unique=True,
              postgresql_where=USER_ENTRY_SQL, sqlite_where=USER_ENTRY_SQL),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    student_id: int | None = Field(default=None)
    user_id: int | None = Field(default=None)
    source: LetterLogSource = Field(sa_type=String(8))
    academic_record_category: str | None = Field(default=None, max_length=100)
    subject: str = Field(max_length=200)
    logged_by_id: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
