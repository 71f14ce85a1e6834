"""Every column that names a student, in one registry: merging students (MRG-01) moves each of
them from the merged student to the survivor, and a test fails when a table references students
without being listed here (tests/directory/test_merge_students.py reads the metadata's keys, the
columns named ``*student_id`` and the ``<x>_kind``/``<x>_id`` pairs).

A reference may sit in a unique key: the merged side's rows that would duplicate one of the
survivor's are deleted (the survivor already has that enrolment, membership or selection), or,
for rows that carry history of their own, retired with the values given (a contact card entry
the survivor's card already holds is kept, DELETED and without its sourcedId, so what was sent
to it stays readable as "Deleted Contact", INB-23).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy

from models.conversations import ReferralRequest, ThreadReply
from models.directory import AccountStatus, Contact, Enrollment, StudentGroupMember, StudentLink, User
from models.finance import FixedAsset
from models.messaging import Delivery, MessageStudent, RecipientKind
from models.reenrolment import ReenrolmentRequest
from models.templates import LetterLog


@dataclasses.dataclass(frozen=True)
class StudentReference:
    """One column naming a student."""

    table: sqlalchemy.Table
    column: str
    #: A plain reference shared by several kinds of row: (the kind column, the student kind).
    kind: tuple[str, str] | None = None
    #: The other columns of a unique key the column belongs to.
    unique_with: tuple[str, ...] = ()
    #: Values that retire a conflicting row of the merged side instead of deleting it.
    retire: Mapping[str, Any] | None = None
    #: The row's other student column: a row that would name the survivor twice is deleted.
    other_student: str | None = None

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column}"


def _ref(model, column: str, **options) -> StudentReference:
    return StudentReference(model.__table__, column, **options)


STUDENT = RecipientKind.STUDENT.value

REFERENCES: tuple[StudentReference, ...] = (
    # The directory: the card, sections, groups, siblings and the student's own account (whose
    # threads follow it: a thread is a pair of users).
    _ref(Contact, "student_id", unique_with=("sourced_id",),
         retire={"sourced_id": None, "status": AccountStatus.DELETED.value}),
    _ref(Enrollment, "student_id", unique_with=("section_id",)),
    _ref(StudentGroupMember, "student_id", unique_with=("group_id",)),
    _ref(StudentLink, "student_id", unique_with=("linked_student_id",), other_student="linked_student_id"),
    _ref(StudentLink, "linked_student_id", unique_with=("student_id",), other_student="student_id"),
    _ref(User, "student_id"),
    # Communication: selections, the ledger (the student as recipient, and the student a contact's
    # delivery is for), answers, referrals and re-enrolment forms.
    _ref(MessageStudent, "student_id", unique_with=("message_id",)),
    _ref(Delivery, "student_id"),
    _ref(Delivery, "recipient_id", kind=("recipient_kind", STUDENT)),
    _ref(ThreadReply, "correspondent_id", kind=("correspondent_kind", STUDENT)),
    _ref(ReferralRequest, "student_id"),
    _ref(ReenrolmentRequest, "student_id"),
    _ref(ReenrolmentRequest, "recipient_id", kind=("recipient_kind", STUDENT)),
    # Letters on the student's record (CMP-10) follow the student; one entry per message and source.
    _ref(LetterLog, "student_id", unique_with=("message_id", "source")),
    # The fixed assets the student holds (the finance insert fields) stay with the survivor.
    _ref(FixedAsset, "student_id"),
)

#: Columns that name a student and that a merge leaves alone, as (table, column).
NOT_STUDENT_REFERENCES: frozenset[tuple[str, str]] = frozenset({
    # The audit trail (issue 16 point 8) records whom a disclosure concerned when it happened; it is
    # append-only and hash-chained, so a merge never rewrites it (auditLog by the merged id finds it).
    ("audit_student_set", "student_id"),
})
