"""Merging two records of one student (MRG-01, MRG-02): every row that names the merged student
(domain.directory.student_references) moves to the survivor in the caller's one transaction, and
the merged student becomes DELETED, so what was sent to them stays readable ("Deleted Student",
INB-23) and they are never offered as a recipient again (MRG-03).

Each registered column costs at most three statements (retire or delete the rows that would
duplicate the survivor's, drop would-be self-links, move the rest), whatever the number of rows.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from domain.directory.student_references import REFERENCES, StudentReference
from domain.support.errors import FieldProblem, InvalidInput
from models.directory import AccountStatus, Student


@dataclasses.dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    merged_id: int
    moved: dict[str, int]  # "table.column" -> rows now naming the survivor
    removed: dict[str, int]  # "table.column" -> rows deleted or retired as duplicates of the survivor's


def _of(reference: StudentReference, student_id: int, table=None):
    table = table if table is not None else reference.table
    where = [table.c[reference.column] == student_id]
    if reference.kind is not None:
        where.append(table.c[reference.kind[0]] == reference.kind[1])
    return where


def _move(session: Session, reference: StudentReference, survivor_id: int, merged_id: int) -> tuple[int, int]:
    """Move one column's rows; returns (moved, removed)."""
    table, removed = reference.table, 0
    if reference.other_student is not None:  # (merged, survivor) would become (survivor, survivor)
        removed += session.execute(delete(table).where(
            *_of(reference, merged_id), table.c[reference.other_student] == survivor_id)).rowcount
    if reference.unique_with:
        theirs = table.alias("survivors")
        duplicate = exists(select(1).select_from(theirs).where(
            *_of(reference, survivor_id, theirs), *(theirs.c[c] == table.c[c] for c in reference.unique_with)))
        conflicting = [*_of(reference, merged_id), duplicate]
        if reference.retire is not None:
            removed += session.execute(update(table).where(*conflicting).values(**reference.retire)).rowcount
        else:
            removed += session.execute(delete(table).where(*conflicting)).rowcount
    moved = session.execute(update(table).where(*_of(reference, merged_id))
                            .values({reference.column: survivor_id})).rowcount
    return moved, removed


def _student(session: Session, student_id: int, path: str) -> Student:
    student = session.execute(select(Student).where(Student.id == student_id).with_for_update()).scalars().first()
    if student is None or student.status == AccountStatus.DELETED:
        raise InvalidInput([FieldProblem((path,), "NOT_FOUND", "No student (not deleted) has that id.")])
    return student


def merge_students(session: Session, *, survivor_id: int, merged_id: int) -> MergeResult:
    """Move everything naming ``merged_id`` to ``survivor_id`` and delete the merged student;
    SAME_STUDENT or NOT_FOUND write nothing."""
    if survivor_id == merged_id:
        raise InvalidInput([FieldProblem(("mergedId",), "SAME_STUDENT", "A student cannot be merged into itself.")])
    # Locked in id order, so two merges of the same pair cannot wait on each other.
    first, second = sorted(((survivor_id, "survivorId"), (merged_id, "mergedId")))
    students = {first[0]: _student(session, *first), second[0]: _student(session, *second)}
    moved, removed = {}, {}
    for reference in REFERENCES:
        moved[reference.name], removed[reference.name] = _move(session, reference, survivor_id, merged_id)
    session.execute(update(Student).where(Student.id == merged_id).values(status=AccountStatus.DELETED.value)
                    .execution_options(synchronize_session=False))
    session.expire(students[merged_id])
    return MergeResult(survivor_id, merged_id, moved, removed)
