"""What the shell hands the assistant operations: the configured plugin and the per-user rate."""

from __future__ import annotations

import dataclasses

from channels.assistants.base import AssistantPlugin


@dataclasses.dataclass(frozen=True)
class CallRate:
    """At most ``calls`` calls per user in any ``window_seconds`` (a moving window)."""

    calls: int
    window_seconds: float

    def __str__(self) -> str:
        return f"{self.calls} per {self.window_seconds:g} seconds"


@dataclasses.dataclass(frozen=True)
class AssistantService:
    """The district's assistant: built once by the shell (homeroom.runtime) from
    HOMEROOM_ASSISTANT_PLUGIN, HOMEROOM_ASSISTANT_CONFIG and HOMEROOM_ASSISTANT_RATE_LIMIT."""

    plugin: AssistantPlugin
    rate: CallRate
