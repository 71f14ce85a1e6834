"""mergeStudents: move every record of one student to another and delete the first (MRG-01..MRG-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.directory.merge_students import MergeResult, merge_students as merge
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires_district_settings


@strawberry.type(description="One registered student column and the rows the merge changed in it.")
class MergedReference:
    column: str = strawberry.field(description='The table and column, e.g. "enrollment.student_id".')
    moved: int = strawberry.field(description="Rows that named the merged student and now name the survivor.")
    removed: int = strawberry.field(description="Rows of the merged student that duplicated the survivor's: "
                                                "deleted, or for contact card entries kept as DELETED.")


@strawberry.type(description="Two students merged: the survivor holds everything of the merged one.")
class MergeStudentsSuccess:
    survivor_id: strawberry.ID = strawberry.field(description="The student who now holds every record.")
    merged_id: strawberry.ID = strawberry.field(description="Now DELETED; read as \"Deleted Student\" (INB-23).")
    references: list[MergedReference] = strawberry.field(description="Every registered student column, with the rows "
                                                                      "the merge moved and removed in it.")

    @classmethod
    def of(cls, result: MergeResult) -> MergeStudentsSuccess:
        return cls(survivor_id=node_id(Kind.STUDENT, result.survivor_id),
                   merged_id=node_id(Kind.STUDENT, result.merged_id),
                   references=[MergedReference(column=name, moved=result.moved[name], removed=result.removed[name])
                               for name in result.moved])


MergeStudentsErrors = field_errors("MergeStudents", ("SAME_STUDENT", "NOT_FOUND"))
MergeStudentsResult = Annotated[MergeStudentsSuccess | MergeStudentsErrors, strawberry.union(
    "MergeStudentsResult", description="The merge done (MergeStudentsSuccess), or why nothing changed "
                                       "(MergeStudentsErrors).")]


@strawberry.type
class MergeStudentsMutation:
    @strawberry.mutation(**requires_district_settings(
        "Merge two records of one student, in one transaction: every row that names the merged student (contacts, "
        "enrolments, groups, siblings, the student's own account and so its threads, message selections, "
        "deliveries, answers, referrals, re-enrolment forms) moves to the survivor, duplicates of the survivor's "
        "rows are dropped, and the merged student becomes DELETED: their messages stay readable and they are "
        "never offered as a recipient again (MRG-01..MRG-03). SAME_STUDENT; NOT_FOUND for a missing or deleted "
        "student."))
    def merge_students(
            self, info: Info,
            survivor_id: Annotated[strawberry.ID, strawberry.argument(description="The student record that stays.")],
            merged_id: Annotated[strawberry.ID, strawberry.argument(
                description="The student record merged into the survivor, then DELETED.")],
    ) -> MergeStudentsResult:
        return perform(info, lambda: merge(info.context.session, survivor_id=parse_id(survivor_id, Kind.STUDENT),
                                           merged_id=parse_id(merged_id, Kind.STUDENT)),
                       refused=MergeStudentsErrors.of, done=MergeStudentsSuccess.of)
