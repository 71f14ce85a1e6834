"""Warm a worker process before it takes its first job: what that job would otherwise pay (~70 ms
of a 500-delivery chunk's ~120 ms in a fresh process, measured with the discard plugin) is paid at
start-up instead, so the first emergency a process runs is as fast as its hundredth."""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from sqlalchemy.orm import configure_mappers

import domain.conversations.replies.out_of_office  # noqa: F401  (the hand-on job's modules, imported)
from domain.delivery.dispatch import dispatch_deliveries

log = logging.getLogger(__name__)

#: No delivery has this id (ids start at 1): dispatching it claims nothing and changes nothing.
_NO_DELIVERY = 0


def warm_up(runtime) -> float:
    """Configure the ORM's mappers (~50 ms on first use), open the pool's first database connection,
    and run dispatch once for a delivery that does not exist, which compiles its claim statement
    and reads the urgent board; the channel plugins were built with the runtime. Returns seconds."""
    started = time.perf_counter()
    configure_mappers()
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    dispatch_deliveries(runtime.engine, runtime.registry, [_NO_DELIVERY], runtime.delivery)
    seconds = time.perf_counter() - started
    log.info("worker warmed up in %.3f s", seconds)
    return seconds
