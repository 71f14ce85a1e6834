"""What the viewer may ask of the writing assistant (issue 18 point 6)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.assistant import operations
from graph.assistant.types import AssistantCapabilities
from graph.context import Info
from graph.permissions import requires


@strawberry.type
class AssistantQueries:
    @strawberry.field(**requires(
        "Whether the writing assistant is available to you (AI-01: configured, the ai add-on, \"Communication AI\" "
        "at Edit, the new editor), its modes and its limit. It discloses nothing else.", Perm.COMMUNICATION))
    def assistant(self, info: Info) -> AssistantCapabilities:
        return AssistantCapabilities.of(operations.capabilities(info.context.session, info.context.viewer,
                                                                info.context.runtime.assistant))
