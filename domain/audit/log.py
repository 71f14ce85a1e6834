"""The pages ``auditLog`` reads: a district's rows, newest first, filtered by student, actor,
action and time, in keyset order (``id`` descending)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from domain.support.keyset import KeysetList

from domain.audit.actions import AuditAction
from models.audit import AuditLog, AuditStudentSet


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    student_id: int | None = None
    actor_user_id: int | None = None
    actor_key_id: int | None = None
    action: AuditAction | None = None
    occurred_from: dt.datetime | None = None  # inclusive
    occurred_to: dt.datetime | None = None  # exclusive


def _conditions(district_id: int, audit_filter: AuditFilter) -> list:
    where = [AuditLog.district_id == district_id]
    if audit_filter.student_id is not None:
        # "Every disclosure concerning student X": the sets holding X (index on student_id, digest),
        # then the rows naming those sets (index on students_digest, id).
        where.append(AuditLog.students_digest.in_(
            select(AuditStudentSet.digest).where(AuditStudentSet.student_id == audit_filter.student_id)))
    if audit_filter.actor_user_id is not None:
        where.append(AuditLog.actor_user_id == audit_filter.actor_user_id)
    if audit_filter.actor_key_id is not None:
        where.append(AuditLog.actor_key_id == audit_filter.actor_key_id)
    if audit_filter.action is not None:
        where.append(AuditLog.action == audit_filter.action.value)
    if audit_filter.occurred_from is not None:
        where.append(AuditLog.occurred_at >= audit_filter.occurred_from)
    if audit_filter.occurred_to is not None:
        where.append(AuditLog.occurred_at < audit_filter.occurred_to)
    return where


def audit_list(district_id: int, audit_filter: AuditFilter) -> KeysetList:
    """The matching rows, newest first."""
    return KeysetList(select(AuditLog).where(*_conditions(district_id, audit_filter)), AuditLog.id, newest_first=True)
