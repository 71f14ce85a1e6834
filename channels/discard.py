"""The ``discard`` plugin: accepts every envelope and sends nothing.

For load tests and benchmarks (bench/dispatch.py, bench/emergency.py) and the reliability tests:
it measures Homeroom's own cost per delivery with no provider in the way. Two options make it a
stand-in provider: ``latency_ms`` (the time one batch takes) and ``journal`` (a file it appends
each reference to, line by line, as it accepts it: a provider's record of what it received, which
``reconcile`` reads after a crash); ``unreachable`` lists addresses it fails as a dead number;
``rate_per_second`` declares a rate for Homeroom to pace by and ``arrivals`` records when each
envelope arrived. Never configure it where people expect messages.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from channels.base import (
    UNREACHABLE,
    Capabilities,
    ChannelKind,
    ChannelPlugin,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    Reconciled,
    Sent,
)

_journal_lock = threading.Lock()


class DiscardConfig(PluginConfig):
    latency_ms: int = Field(default=0, ge=0, le=60_000, description="Simulated provider time per batch.")
    journal: Path | None = Field(default=None, description="Append each accepted reference to this file.")
    unreachable: list[str] = Field(default_factory=list, description="Addresses it answers with a permanent "
                                   "UNREACHABLE failure, as a provider does for a dead number.")
    rate_per_second: float | None = Field(default=None, gt=0, description="Declare this rate, as a paced provider "
                                          "would; Homeroom then paces what it hands over (domain.delivery.sending.pacing).")
    arrivals: Path | None = Field(default=None, description="Append '<unix time> <reference>' per envelope received.")


class DiscardChannel(ChannelPlugin):
    name: ClassVar[str] = "discard"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)
    Config: ClassVar[type[PluginConfig]] = DiscardConfig
    # It takes anything, and shows nothing to anyone: no signed links are built for it.
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=5000, attachments=True, renders_body=False)

    config: DiscardConfig

    def configured_rate(self) -> float | None:
        return self.config.rate_per_second

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        if self.config.arrivals is not None:
            arrived = time.time()
            with _journal_lock, open(self.config.arrivals, "a", encoding="utf-8") as log:
                log.write("".join(f"{arrived:.6f} {envelope.reference}\n" for envelope in batch))
        outcomes: list[Outcome] = []
        unreachable = set(self.config.unreachable)
        for envelope in batch:
            if envelope.to in unreachable:
                outcomes.append(PermanentFailure(envelope.reference, UNREACHABLE, "number not reachable"))
                continue
            if self.config.latency_ms:
                time.sleep(self.config.latency_ms / 1000 / len(batch))
            if self.config.journal is not None:
                self._journal(envelope.reference)
            outcomes.append(Sent(envelope.reference, f"discard-{envelope.reference}"))
        return outcomes

    def reconcile(self, references: Sequence[str]) -> dict[str, Reconciled]:
        if self.config.journal is None:
            return {}
        seen = set(self.config.journal.read_text().split()) if self.config.journal.exists() else set()
        return {ref: Reconciled.SENT if ref in seen else Reconciled.NOT_SENT for ref in references}

    def _journal(self, reference: str) -> None:
        # One whole line per write, flushed before the outcome is returned: what a crash leaves
        # in the journal was received.
        with _journal_lock, open(self.config.journal, "a", encoding="utf-8") as journal:
            journal.write(reference + "\n")
            journal.flush()
            os.fsync(journal.fileno())
