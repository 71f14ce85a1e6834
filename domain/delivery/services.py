"""What delivery needs from its process, handed down by the shell's runtime (homeroom.runtime):
the pacer, the progress bus and the deployment's links. Nothing here reads settings."""

from __future__ import annotations

import dataclasses

from domain.delivery.sending.envelopes import Links
from domain.delivery.sending.pacing import Pacer
from domain.delivery.progress_events import ProgressBus


@dataclasses.dataclass(frozen=True)
class DeliveryServices:
    """One per process: shared by every dispatch, so pacing and the urgent board hold across jobs."""

    pacer: Pacer
    events: ProgressBus
    links: Links
