"""Real `homeroom worker` processes on Redis databases of their own, and the waits around them
(the reliability and pacing tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from sqlalchemy import func, insert, select, update

from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import save_draft
from harness import REDIS_URL
from models.db import session_scope
from models.messaging import OPEN_DELIVERY_STATUSES, Delivery, ImportedRecipient, Message
from resolve import request, viewer_for


def redis_db_url(db: int) -> str:
    return REDIS_URL.rsplit("/", 1)[0] + f"/{db}"


def message_to_imported_phones(engine, count: int, prefix: str, **fields) -> tuple[int, list[int]]:
    """A message to ``count`` imported recipients by SMS, fanned out; returns it and its ids."""
    with session_scope(engine) as session:
        message = save_draft(session, viewer_for(session, "admin"), request(channels=("SMS",), **fields))
        session.execute(insert(ImportedRecipient), [
            {"message_id": message.id, "name": f"Guardian {n}", "phone": f"{prefix}{n:05d}", "source_row": n + 1}
            for n in range(count)])
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))  # as sendDraft
        fan_out(session, message.id)
        ids = [i for chunk in queued_delivery_chunks(session, message.id, 10**9) for i in chunk]
    assert len(ids) == count
    return message.id, ids


def kill_hard(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_hard(process)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out: {what}")


def open_deliveries(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id,
            Delivery.status.in_([s.value for s in OPEN_DELIVERY_STATUSES]))).scalar_one()
