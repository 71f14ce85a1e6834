"""The insert-field catalogue an editor offers, searchable across categories (CMP-25, EDT-05)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.content.insert_fields import InsertFieldCategory as CategoryValue, catalogue
from graph.context import Info
from graph.enum_values import describe_values
from graph.pagination import search_term
from graph.permissions import requires

InsertFieldCategory = describe_values(strawberry.enum(
    CategoryValue, name="InsertFieldCategory",
    description="The groups of the insert-field catalogue; a field's name starts with its category."), {
    CategoryValue.RECIPIENT: "The recipient as the delivery or letter is addressed (recipient.name).",
    CategoryValue.STUDENT: "The student the message is about (empty for a staff recipient).",
    CategoryValue.USER: "The recipient's user account: a staff member, or a contact with an account.",
    CategoryValue.FINANCE: "Fixed assets the student holds, or the recipient user as custodian (SMS-05, VOI-08).",
    CategoryValue.MARKING_PERIOD: "The marking period a message speaks of: the sender's school year for a one-time "
                                  "message, the period current at dispatch for a recurring one (CMP-33).",
})


@strawberry.type(description="A placeholder a message may contain, filled in per recipient when it is sent.")
class InsertField:
    name: str = strawberry.field(description='Written in the text as "{{name}}".')
    category: InsertFieldCategory = strawberry.field(description="The group it belongs to.")
    description: str = strawberry.field(description="What it is filled in with, to show in the editor.")
    example: str = strawberry.field(description="A value as it could be filled in, to show in the editor.")


@strawberry.type
class InsertFieldQueries:
    @strawberry.field(**requires(
        "The insert fields a message, SMS, call or template may contain (CMP-25, SMS-05, VOI-08), by category "
        "then name; searchable by name across categories (EDT-05).", Perm.COMMUNICATION))
    def insert_fields(self, info: Info, search: Annotated[str | None, strawberry.argument(description=(
            "Only fields whose name contains this text, any case, in every category; null or blank: all."))] = None,
                      category: Annotated[InsertFieldCategory | None, strawberry.argument(description=(
                          "Only this category's fields; null: every category."))] = None) -> list[InsertField]:
        found = catalogue(search=search_term(search), category=category)
        return [InsertField(name=field.name, category=group, description=field.description, example=field.example)
                for group, field in found]
