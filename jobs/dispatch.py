"""dispatch_batch: send one chunk of deliveries through the channel plugins."""

from __future__ import annotations

import dramatiq

from domain.dispatch import dispatch_deliveries
from jobs.runtime import channel_registry
from models.db import get_engine


@dramatiq.actor(queue_name="deliveries", max_retries=3, time_limit=300_000)
def dispatch_batch(delivery_ids: list[int]) -> None:
    """Takes ids only; deliveries no longer QUEUED are skipped, so a repeat never double-sends."""
    result = dispatch_deliveries(get_engine(), channel_registry(), delivery_ids)
    if result.retry_ids:
        dispatch_batch.send_with_options(
            args=(result.retry_ids,), delay=int(result.retry_delay_seconds * 1000)
        )
