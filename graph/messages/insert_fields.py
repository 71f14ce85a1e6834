"""The insert fields an editor offers (CMP-25)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.content.insert_fields import CATALOGUE
from graph.context import Info
from graph.permissions import requires


@strawberry.type(description="A placeholder a message may contain, filled in per recipient when it is sent.")
class InsertField:
    name: str = strawberry.field(description='Written in the text as "{{name}}".')
    description: str = strawberry.field(description="What it is filled in with, to show in the editor.")


@strawberry.type
class InsertFieldQueries:
    @strawberry.field(**requires("The insert fields a message may contain (CMP-25).", Perm.COMMUNICATION))
    def insert_fields(self, info: Info) -> list[InsertField]:
        return [InsertField(name=field.name, description=field.description) for field in CATALOGUE]
