"""What delivery needs from its process, handed down by the shell's runtime (homeroom.runtime):
the pacer, the progress bus, the deployment's links, and whom to tell once outcomes are recorded.
Nothing here reads settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection

from domain.delivery.sending.envelopes import Links
from domain.delivery.sending.pacing import Pacer
from domain.delivery.progress_events import ProgressBus


@dataclasses.dataclass(frozen=True)
class DeliveryServices:
    """One per process: shared by every dispatch, so pacing and the urgent board hold across jobs."""

    pacer: Pacer
    events: ProgressBus
    links: Links
    #: Called after a dispatch's outcomes commit, with the messages it touched and those it
    #: completed (outbound webhooks, issue 16 point 5); it may only enqueue, never wait.
    ledger_changed: Callable[[Collection[int], Collection[int]], None] | None = None
