"""setReenrolmentForm: the form sent to an audience whose number is unreachable (JOB-06)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.reenrolment.forms import TITLE_MAX, set_form
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires
from graph.reenrolment.types import ReenrolmentAudience, ReenrolmentForm

#: A blank or overlong title, a title of more than one line (it becomes a Subject), no instructions.
SetReenrolmentFormErrors = field_errors("SetReenrolmentForm", ("REQUIRED", "TOO_LONG", "INVALID_CHARACTERS"))
SetReenrolmentFormResult = Annotated[ReenrolmentForm | SetReenrolmentFormErrors,
                                     strawberry.union(
    "SetReenrolmentFormResult", description="The form as stored (trimmed), or why nothing changed.")]


@strawberry.type
class SetReenrolmentFormMutation:
    @strawberry.mutation(**requires("Set the form sent to this audience when their number is unreachable (JOB-06).",
                                    Perm.COMMUNICATION, Perm.CALLER_ID_PHONE_NUMBERS, Perm.DISTRICT_SETTINGS))
    def set_reenrolment_form(
            self, info: Info,
            audience: Annotated[ReenrolmentAudience, strawberry.argument(description="Who the form is for.")],
            title: Annotated[str, strawberry.argument(description=(
                f"One line of 1 to {TITLE_MAX} characters, trimmed; it becomes the email's subject."))],
            instructions: Annotated[str, strawberry.argument(
                description="What the person is asked to do, plain text, not empty.")],
    ) -> SetReenrolmentFormResult:
        return perform(info, lambda: set_form(info.context.session, audience.value, title, instructions),
                       refused=SetReenrolmentFormErrors.of, done=ReenrolmentForm.from_row)
