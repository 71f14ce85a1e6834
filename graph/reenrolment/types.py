"""Re-enrolment form types (JOB-06, JOB-07)."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.reenrolment import FormAudience, ReenrolmentForm as FormRow

ReenrolmentAudience = strawberry.enum(Enum("ReenrolmentAudience", {a.value: a.value for a in FormAudience}),
                                      description="STUDENT: sent to students; PARENT: sent to students' contacts.")


@strawberry.type(description="A form the status-updates job sends to a person whose phone number was unreachable.")
class ReenrolmentForm:
    audience: ReenrolmentAudience
    title: str
    instructions: str

    @classmethod
    def from_row(cls, row: FormRow) -> ReenrolmentForm:
        return cls(audience=ReenrolmentAudience(row.audience), title=row.title, instructions=row.instructions)
