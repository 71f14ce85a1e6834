"""One event loop per worker thread, reused by every operation the thread runs.

A query or mutation runs on a worker thread with an event loop of its own (homeroom.routes.graphql).
``asyncio.run`` would build and tear down a loop (a selector, a self-pipe, anyio's thread pool) for
every request, about a tenth of a millisecond each time; the thread keeps one instead. What
``asyncio.run`` does at the end that matters here is kept: a task an operation left behind is
cancelled and awaited before the next operation starts, so nothing of one request runs during
another's. The loop is closed when its thread ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _ThreadLoop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:  # the thread ended: its thread-local storage goes, and the loop with it
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()


_local = threading.local()


def run_on_this_thread(operation: Coroutine[Any, Any, T]) -> T:
    """Run ``operation`` to its end on this thread's loop (made on first use), as asyncio.run would."""
    holder = getattr(_local, "holder", None)
    if holder is None or holder.loop.is_closed():
        holder = _local.holder = _ThreadLoop()
    loop = holder.loop
    try:
        return loop.run_until_complete(operation)
    finally:
        left = asyncio.all_tasks(loop)
        if left:
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
