"""The viewer query."""

from __future__ import annotations

import strawberry

from graph.context import Info
from graph.permissions import requires
from graph.access.types import Viewer


@strawberry.type
class ViewerQueries:
    @strawberry.field(**requires("The signed-in user, their profiles, permissions and compose options."))
    def viewer(self, info: Info) -> Viewer:
        return Viewer(model=info.context.viewer)
