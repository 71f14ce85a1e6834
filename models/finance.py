"""Finance: the district's fixed assets (Chromebooks, calculators, instruments) and who holds each,
for the finance insert fields (SMS-05, VOI-08, EDT-05).

Homeroom keeps no finance records of its own: an integration with the district's finance or
asset-tracking system fills this table (by ``asset_tag``), and messages and letters read it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.db import utcnow


class FixedAsset(SQLModel, table=True):
    """One asset, assigned to a student, to a user as its custodian, or to no one (in stock)."""

    __tablename__ = "fixed_asset"
    __table_args__ = (CheckConstraint("student_id IS NULL OR user_id IS NULL", name="ck_fixed_asset_one_holder"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_tag: str = Field(max_length=60, unique=True)
    description: str = Field(default="", max_length=200)
    student_id: int | None = Field(default=None, foreign_key="student.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)  # the custodian
    updated_at: dt.datetime = Field(default_factory=utcnow)
