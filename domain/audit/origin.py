"""The request an audited action came from: its id and the client's address.

The shell's middleware (homeroom.request_context) sets it for each HTTP request and WebSocket; it
is a context variable, so it follows the request onto the worker thread its operation runs on
(anyio copies the context). Jobs and commands have none.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator


@dataclasses.dataclass(frozen=True)
class RequestOrigin:
    request_id: str | None = None
    client_address: str | None = None


_NONE = RequestOrigin()
_CURRENT: contextvars.ContextVar[RequestOrigin | None] = contextvars.ContextVar("homeroom_request_origin",
                                                                                default=None)


def current_origin() -> RequestOrigin:
    """The request being served, or an origin naming nothing (a job, a command)."""
    return _CURRENT.get() or _NONE


@contextlib.contextmanager
def request_origin(origin: RequestOrigin) -> Iterator[None]:
    """Within the block, audited actions name ``origin``."""
    token = _CURRENT.set(origin)
    try:
        yield
    finally:
        _CURRENT.reset(token)
