"""Re-enrolment form types (JOB-06, JOB-07)."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.reenrolment import FormAudience, ReenrolmentForm as FormRow

_AUDIENCE_TEXT = {
    FormAudience.STUDENT: "Students whose number was unreachable (the Call Out System Student Reenrollment Form).",
    FormAudience.PARENT: "Students' contacts whose number was unreachable (the Call Out System Parent Reenrollment "
                         "Form).",
}
ReenrolmentAudience = strawberry.enum(
    Enum("ReenrolmentAudience", {a.value: strawberry.enum_value(a.value, description=_AUDIENCE_TEXT[a])
                                 for a in FormAudience}),
    name="ReenrolmentAudience", description="Who a re-enrolment form is sent to (JOB-06).")


@strawberry.type(description="A form the status-updates job sends to a person whose phone number was unreachable.")
class ReenrolmentForm:
    audience: ReenrolmentAudience = strawberry.field(description="Who it is sent to.")
    title: str = strawberry.field(description="One line, the form email's subject.")
    instructions: str = strawberry.field(description="What the person is asked to do, as plain text.")

    @classmethod
    def from_row(cls, row: FormRow) -> ReenrolmentForm:
        return cls(audience=ReenrolmentAudience(row.audience), title=row.title, instructions=row.instructions)
