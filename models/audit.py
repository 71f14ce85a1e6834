"""The audit trail (issue 16 point 8): the record FERPA asks a district to keep of disclosures.

``audit_log`` holds one append-only row per audited action, chained by hash (domain.audit.chain):
each row's ``row_hash`` is SHA-256 over the previous row's hash and the row's canonical content.
Rows carry ids and counts, never names, addresses, bodies or secrets.

The students an action concerns are a content-addressed set: ``audit_student_set`` holds each
distinct set once, keyed by its digest (SHA-256 of the sorted ids), and a row names its set by
``students_digest``. "Every disclosure concerning student X" is an index lookup on
(student_id, digest) and then on ``audit_log.students_digest``, the same on SQLite and PostgreSQL;
a 100,000-student send writes its set with one INSERT … SELECT; the same set audited again (a
class's contacts viewed every morning) is not written twice; and the digest, covered by the row's
hash, makes the set as tamper-evident as the row.

Neither table has foreign keys: an audit row must outlive whatever it names, and append-only
tables cannot take part in ON DELETE rules. On PostgreSQL triggers refuse UPDATE, DELETE and
TRUNCATE and the application role holds only SELECT and INSERT, PUBLIC nothing (migrations 0031, 0032); on SQLite
triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

#: The hash a chain starts from (the "previous hash" of the first row).
GENESIS_HASH = "0" * 64


class AuditLog(SQLModel, table=True):
    """One audited action: who (a user, or a partner key acting for its creator), what, on which
    objects and students, how many recipients, from which request, when; and its link in the chain."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_students_digest", "students_digest", "id"),
        Index("ix_audit_log_actor_user", "actor_user_id", "id"),
        Index("ix_audit_log_actor_key", "actor_key_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    district_id: int
    actor_user_id: int | None = None
    actor_key_id: int | None = None
    action: str = Field(sa_type=String(40))
    object_type: str = Field(sa_type=String(60))
    object_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    #: The digest naming the row's student set in audit_student_set; None when it concerns no student.
    students_digest: str | None = Field(default=None, sa_type=String(64))
    student_count: int = Field(default=0)
    recipient_count: int | None = None
    request_id: str | None = Field(default=None, sa_type=String(64))
    client_address: str | None = Field(default=None, sa_type=String(64))
    occurred_at: dt.datetime  # UTC, to the microsecond, as it was hashed
    prev_hash: str = Field(sa_type=String(64))
    row_hash: str = Field(sa_type=String(64))


class AuditStudentSet(SQLModel, table=True):
    """The members of one set of students, written once per distinct set (see the module docstring)."""

    __tablename__ = "audit_student_set"
    __table_args__ = (Index("ix_audit_student_set_student", "student_id", "digest"),)

    digest: str = Field(sa_type=String(64), primary_key=True)
    student_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
