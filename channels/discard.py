"""The ``discard`` plugin: accepts every envelope and sends nothing.

For load tests and benchmarks (bench/dispatch.py, bench/emergency.py): it measures Homeroom's
own cost per delivery, with no provider in the way. Never configure it where people expect mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from channels.base import Capabilities, ChannelKind, ChannelPlugin, Envelope, Outcome, Sent


class DiscardChannel(ChannelPlugin):
    name: ClassVar[str] = "discard"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=5000)

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        return [Sent(envelope.reference, f"discard-{envelope.reference}") for envelope in batch]
