"""Priority lanes (CMP-07): emergency calls and SMS first, then priority messages, then the rest.

Each lane has its own job queues, and a worker always takes the most urgent job it holds, so an
emergency sent while a large normal message is mid-dispatch overtakes it. Only the calls and SMS
of an emergency message ride the emergency lane; its email and push go with priority messages.
"""

from __future__ import annotations

import enum


class Lane(str, enum.Enum):
    EMERGENCY = "emergency"
    PRIORITY = "priority"
    NORMAL = "normal"

    @property
    def worker_priority(self) -> int:
        """Dramatiq's actor priority: lower runs first among the jobs a worker holds."""
        return {Lane.EMERGENCY: 0, Lane.PRIORITY: 10, Lane.NORMAL: 20}[self]


#: Most urgent first.
LANES_BY_URGENCY = (Lane.EMERGENCY, Lane.PRIORITY, Lane.NORMAL)


EMERGENCY_CHANNELS = frozenset({"SMS", "VOICE"})


def lane_of(*, emergency: bool, priority: bool, channel: str | None = None) -> Lane:
    """The lane of a message (``channel`` None: its hand-on job) or of its deliveries on one channel."""
    if emergency and (channel is None or channel in EMERGENCY_CHANNELS):
        return Lane.EMERGENCY
    return Lane.PRIORITY if emergency or priority else Lane.NORMAL
