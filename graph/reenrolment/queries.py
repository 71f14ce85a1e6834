"""The configured re-enrolment forms (JOB-06).

Choosing them is Call Out System setup, like the caller IDs, so it takes the same permission
(administrators, with the callout add-on); the forms are system preferences of the whole district,
so changing them also takes "Communication District Settings"."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from domain.access.permissions import Perm
from graph.context import Info
from graph.permissions import requires
from graph.reenrolment.types import ReenrolmentForm
from models.reenrolment import ReenrolmentForm as FormRow


@strawberry.type
class ReenrolmentFormQueries:
    @strawberry.field(**requires("The configured re-enrolment forms, at most one per audience (JOB-06).",
                                 Perm.COMMUNICATION, Perm.CALLER_ID_PHONE_NUMBERS))
    def reenrolment_forms(self, info: Info) -> list[ReenrolmentForm]:
        rows = info.context.session.execute(select(FormRow).order_by(FormRow.audience)).scalars()
        return [ReenrolmentForm.from_row(row) for row in rows]
