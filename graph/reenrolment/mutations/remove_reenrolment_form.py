"""removeReenrolmentForm: the job then publishes nothing to that audience (JOB-07)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.reenrolment.forms import remove_form
from graph.context import Info
from graph.permissions import requires
from graph.reenrolment.types import ReenrolmentAudience


@strawberry.type
class RemoveReenrolmentFormMutation:
    @strawberry.mutation(**requires("Remove this audience's form; the job then publishes nothing to it. "
                                    "Returns whether there was one (JOB-07).", Perm.COMMUNICATION,
                                    Perm.CALLER_ID_PHONE_NUMBERS,
                                    Perm.DISTRICT_SETTINGS))
    def remove_reenrolment_form(self, info: Info, audience: Annotated[ReenrolmentAudience, strawberry.argument(
            description="Whose form to remove.")]) -> bool:
        removed = remove_form(info.context.session, audience.value)
        info.context.session.commit()
        return removed
