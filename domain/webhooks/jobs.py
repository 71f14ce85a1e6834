"""The port webhook work is handed to once a transaction commits; jobs.webhooks implements it
with Dramatiq actors on their own queue, so nothing here ever waits for a partner's server."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class WebhookJobs(Protocol):
    def send(self, message_ids: Collection[int], *, resend: bool = False) -> None:
        """One send job per webhook message (``resend``: resendWebhook's single extra attempt)."""

    def messages_completed(self, message_ids: Collection[int]) -> None:
        """The job that emits message.completed for these messages."""

    def pump(self) -> None:
        """The job that moves feed events into webhook messages (domain.webhooks.pump)."""
