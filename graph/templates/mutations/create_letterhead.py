"""createLetterhead: a header and footer for letters, with what it is available for (CMP-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.content import letterheads
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires_district_settings
from graph.templates.types import Letterhead, LetterheadUse
from models import templates as db


@strawberry.input(description="A letterhead's fields.")
class LetterheadInput:
    name: str = strawberry.field(description="Required, at most 120 characters.")
    header_html: str = strawberry.field(default="", description="The header (HTML, stored sanitized).")
    footer_html: str = strawberry.field(default="", description="The footer (HTML, stored sanitized).")
    available_for: list[LetterheadUse] = strawberry.field(description=(
        "What it may be used for; include COMMUNICATION for messages and templates (CMP-03)."))


@strawberry.type(description="The letterhead as saved.")
class LetterheadSaved:
    letterhead: Letterhead = strawberry.field(description="The letterhead.")


CreateLetterheadErrors = field_errors("CreateLetterhead", ("REQUIRED", "TOO_LONG", "DUPLICATE"))
CreateLetterheadResult = Annotated[LetterheadSaved | CreateLetterheadErrors, strawberry.union(
    "CreateLetterheadResult", description="The letterhead created, or why not.")]


@strawberry.type
class CreateLetterheadMutation:
    @strawberry.mutation(**requires_district_settings("Create a letterhead (CMP-03)."))
    def create_letterhead(self, info: Info, input: Annotated[LetterheadInput, strawberry.argument(
            description="The letterhead's fields.")]) -> CreateLetterheadResult:
        return perform(info, lambda: letterheads.create_letterhead(
            info.context.session, name=input.name, header_html=input.header_html, footer_html=input.footer_html,
            available_for=tuple(db.LetterheadUse(use.value) for use in input.available_for)),
                       refused=CreateLetterheadErrors.of, done=lambda row: LetterheadSaved(letterhead=Letterhead.of(row)))
