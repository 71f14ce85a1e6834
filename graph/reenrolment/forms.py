"""The re-enrolment forms the Communication Status Updates job publishes (JOB-06, JOB-07).

Choosing them is Call Out System setup, like the caller IDs, so it takes the same permission
(administrators, with the callout add-on); the forms are system preferences of the whole district,
so changing them also takes "Communication District Settings"."""

from __future__ import annotations

from enum import Enum

import strawberry
from graphql import GraphQLError
from sqlalchemy import delete, select

from domain.access.permissions import Perm
from domain.content.text import has_control_characters
from graph.context import Info
from graph.permissions import requires
from models.db import utcnow
from models.reenrolment import FormAudience, ReenrolmentForm as FormRow

TITLE_MAX = 200

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


def _bad(field: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "field": field})


@strawberry.type
class ReenrolmentFormQueries:
    @strawberry.field(**requires("The configured re-enrolment forms, at most one per audience (JOB-06).",
                                 Perm.CALLER_ID_PHONE_NUMBERS))
    def reenrolment_forms(self, info: Info) -> list[ReenrolmentForm]:
        rows = info.context.session.execute(select(FormRow).order_by(FormRow.audience)).scalars()
        return [ReenrolmentForm.from_row(row) for row in rows]


@strawberry.type
class ReenrolmentFormMutations:
    @strawberry.mutation(**requires("Set the form sent to this audience when their number is unreachable (JOB-06).",
                                    Perm.CALLER_ID_PHONE_NUMBERS, Perm.DISTRICT_SETTINGS))
    def set_reenrolment_form(self, info: Info, audience: ReenrolmentAudience, title: str,
                             instructions: str) -> ReenrolmentForm:
        title, instructions = title.strip(), instructions.strip()
        if not title or len(title) > TITLE_MAX:
            raise _bad("title", f"title must be 1 to {TITLE_MAX} characters")
        if has_control_characters(title):  # it becomes the form email's Subject header
            raise _bad("title", "title is one line: remove line breaks, tabs and other control characters")
        if not instructions:
            raise _bad("instructions", "instructions must not be empty")
        session = info.context.session
        row = session.get(FormRow, audience.value) or FormRow(audience=audience.value, title=title,
                                                              instructions=instructions)
        row.title, row.instructions, row.updated_at = title, instructions, utcnow()
        session.add(row)
        session.commit()
        return ReenrolmentForm.from_row(row)

    @strawberry.mutation(**requires("Remove this audience's form; the job then publishes nothing to it. "
                                    "Returns whether there was one (JOB-07).", Perm.CALLER_ID_PHONE_NUMBERS,
                                    Perm.DISTRICT_SETTINGS))
    def remove_reenrolment_form(self, info: Info, audience: ReenrolmentAudience) -> bool:
        session = info.context.session
        removed = session.execute(delete(FormRow).where(FormRow.audience == audience.value)).rowcount
        session.commit()
        return bool(removed)
