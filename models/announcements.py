"""Announcements (ANN-*): portal posts targeted by profile, school, grade level and student
contacts, and the postings that activate them.

An announcement is shown from its start date until its end date has passed (ANN-02). On its start
date the queue posts it: one :class:`AnnouncementPosting` row per (announcement, posting number),
written in the same transaction as the message that carries its email, SMS, call and push through
the ordinary pipeline and ledger (ANN-13, RPT-04). The unique key makes a second queue run, a
retried job or a restarted worker post nothing twice; a full edit that re-posts raises
``posting_number`` and so earns exactly one more posting.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.db import utcnow
from models.messaging import new_family_seed


class AnnouncementStudentContacts(str, enum.Enum):
    """Which people connected to the targeted students see it (ANN-04), with the recipient rules'
    semantics: RCP-06 (primary), RCP-07 (all), RCP-09 (once per family), RCP-12 (teachers of)."""

    PRIMARY = "PRIMARY"
    ALL = "ALL"
    ONCE_PER_FAMILY = "ONCE_PER_FAMILY"
    TEACHERS_OF = "TEACHERS_OF"


class Announcement(SQLModel, table=True):
    """One announcement. No schools selected: district-wide (ANN-06). A class announcement
    (PERM-48, ANN-22) targets the students of its sections instead of schools and grade levels."""

    __table_args__ = (Index("ix_announcement_active", "deleted_at", "start_date"),)

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="app_user.id", index=True)
    title: str = Field(max_length=200)  # ANN-01
    html_body: str = Field(default="", sa_type=Text)
    start_date: dt.date  # ANN-02: defaults to today in the district's time zone
    end_date: dt.date | None = None  # ANN-02: None never expires; shown through end_date inclusive
    sort_order: int | None = None  # ANN-09: sorted ones first, ascending
    student_contacts: AnnouncementStudentContacts | None = Field(default=None, sa_type=String(20))  # ANN-04
    # ONCE_PER_FAMILY's draw (RCP-09), fixed when the announcement is created so every reading agrees.
    family_seed: int = Field(default_factory=new_family_seed)
    push: bool = Field(default=False)  # ANN-11, PERM-22, PERM-53
    public: bool = Field(default=False)  # ANN-10, PERM-29: Public (Mobile App)
    class_announcement: bool = Field(default=False)  # PERM-48, ANN-22
    # ANN-12: the attached email (PERM-26), SMS (PERM-27) and call (PERM-28); None: not attached.
    email_subject: str | None = Field(default=None, max_length=200)
    email_html_body: str | None = Field(default=None, sa_type=Text)
    sms_text: str | None = Field(default=None, sa_type=Text)
    call_text: str | None = Field(default=None, sa_type=Text)
    # Raised by a full edit that re-posts (ANN-20): the queue posts each number once.
    posting_number: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    # ANN-21: deleted announcements leave every portal and list; the row stays for the ledger.
    deleted_at: dt.datetime | None = None


class AnnouncementProfile(SQLModel, table=True):
    """A profile whose users see the announcement (ANN-03, ANN-18)."""

    __tablename__ = "announcement_profile"

    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", primary_key=True, index=True)


class AnnouncementSchool(SQLModel, table=True):
    """A school the announcement applies to (ANN-05); none: every school (ANN-06)."""

    __tablename__ = "announcement_school"

    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)


class AnnouncementGradeLevel(SQLModel, table=True):
    """A grade level the announcement is limited to (ANN-08); none: every grade."""

    __tablename__ = "announcement_grade_level"

    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    grade_level: str = Field(max_length=8, primary_key=True)


class AnnouncementSection(SQLModel, table=True):
    """A section of the teacher's schedule a class announcement targets (ANN-22)."""

    __tablename__ = "announcement_section"

    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    section_id: int = Field(foreign_key="section.id", primary_key=True, index=True)


class AnnouncementAttachment(SQLModel, table=True):
    """A file attached to an announcement (ANN-12); copied onto the email its posting sends."""

    __tablename__ = "announcement_attachment"

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)


class AnnouncementPosting(SQLModel, table=True):
    """One activation of one announcement (ANN-13): the natural key (announcement, posting number)
    is unique, and the message carrying its email, SMS, call and push is written with it."""

    __tablename__ = "announcement_posting"
    __table_args__ = (UniqueConstraint("announcement_id", "posting_number", name="uq_announcement_posting"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id")
    posting_number: int
    # None when the announcement carries nothing to send (no email, SMS, call or push).
    message_id: int | None = Field(default=None, foreign_key="message.id", unique=True)
    posted_at: dt.datetime = Field(default_factory=utcnow)
