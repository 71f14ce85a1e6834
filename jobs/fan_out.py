"""fan_out_message: turn a stored message into delivery rows, then hand them to dispatch."""

from __future__ import annotations

import dramatiq

from domain.dispatch import complete_if_done
from domain.fan_out import fan_out, queued_delivery_chunks, refresh_ledger_statistics
from homeroom.settings import get_settings
from jobs.runtime import channel_registry
from models.db import get_engine, session_scope


@dramatiq.actor(queue_name="fan_out", max_retries=5, time_limit=600_000)
def fan_out_message(message_id: int) -> None:
    """Idempotent: a second run writes no rows and only re-enqueues what is still queued."""
    from jobs.dispatch import dispatch_batch

    engine = get_engine()
    with session_scope(engine) as session:
        written = fan_out(session, message_id)
    if written.deliveries_written:
        refresh_ledger_statistics(engine)
    registry = channel_registry()
    batch_size = get_settings().dispatch_batch_size
    max_batch = min([batch_size] + [registry.for_kind(k).capabilities.max_batch for k in registry.kinds()])
    with session_scope(engine) as session:
        chunks = queued_delivery_chunks(session, message_id, max_batch)
    for chunk in chunks:
        dispatch_batch.send(chunk)
    if not chunks:
        complete_if_done(engine, message_id)
