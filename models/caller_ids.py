"""Caller ID phone numbers for calls (CID-*; add-on callout). They apply to calls only (CID-07)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from models.db import utcnow


class CallerId(SQLModel, table=True):
    __tablename__ = "caller_id"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)  # internal only: never shown to the people called (CID-01)
    phone: str = Field(max_length=20)  # E.164
    public: bool = Field(default=False)  # CID-02: offered to users of its schools (all schools: none listed)
    student_attendance: bool = Field(default=False)  # CID-04: at most one number carries it
    school_default: bool = Field(default=False)  # CID-05: the default of users at its schools
    district_default: bool = Field(default=False)  # CID-06: the newest one flagged is the effective one
    created_at: dt.datetime = Field(default_factory=utcnow)


class CallerIdSchool(SQLModel, table=True):
    __tablename__ = "caller_id_school"

    caller_id: int = Field(foreign_key="caller_id.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)
