"""Re-enrolment forms of the Communication Status Updates job (JOB-06, JOB-07; add-on callout)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from models.db import utcnow


class FormAudience(str, enum.Enum):
    STUDENT = "STUDENT"  # "Call Out System Student Reenrollment Form"
    PARENT = "PARENT"  # "Call Out System Parent Reenrollment Form": a student's contacts


class ReenrolmentForm(SQLModel, table=True):
    """The form the district chose for one audience; with none, that audience gets nothing (JOB-07)."""

    __tablename__ = "reenrolment_form"

    audience: FormAudience = Field(sa_type=String(8), primary_key=True)
    title: str = Field(max_length=200)
    instructions: str = Field(sa_type=Text)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class FailedCall(SQLModel, table=True):
    """A call that failed because its number was unreachable, waiting for the status-updates job.
    Written where the outcome is recorded, so the job never scans the ledger."""

    __tablename__ = "failed_call"

    delivery_id: int = Field(foreign_key="delivery.id", primary_key=True)
    recorded_at: dt.datetime = Field(default_factory=utcnow)


class RequestStatus(str, enum.Enum):
    PUBLISHED = "PUBLISHED"  # the form was sent to the person
    COMPLETED = "COMPLETED"  # they filled it in
    REPORTED = "REPORTED"  # the completed form went to the responsible users


class ReenrolmentRequest(SQLModel, table=True):
    """One published form: who it went to, the call that failed, and what they answered."""

    __tablename__ = "reenrolment_request"

    id: int | None = Field(default=None, primary_key=True)
    audience: FormAudience = Field(sa_type=String(8))
    failed_delivery_id: int = Field(foreign_key="delivery.id", unique=True)
    recipient_kind: str = Field(max_length=8)
    recipient_id: int
    student_id: int | None = Field(default=None, foreign_key="student.id", index=True)
    recipient_name: str = Field(max_length=220)
    failed_number: str = Field(max_length=254)
    status: RequestStatus = Field(default=RequestStatus.PUBLISHED, sa_type=String(10), index=True)
    notice_message_id: int | None = Field(default=None, foreign_key="message.id")
    new_phone: str | None = Field(default=None, max_length=32)
    new_email: str | None = Field(default=None, max_length=254)
    completed_at: dt.datetime | None = None
    report_message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
