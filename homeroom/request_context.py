"""Each HTTP request and WebSocket gets a request id and its client's address, for the audit trail
(domain.audit.origin) and the logs.

The id is the caller's ``X-Request-ID`` when it is a short token (letters, digits, ``.``, ``_``,
``-``; at most 64), so a proxy's or a client's id follows the request through; otherwise a new one.
It is answered in the response's ``X-Request-ID``. The address is the ASGI client's: behind a
reverse proxy run uvicorn with ``--proxy-headers`` and ``--forwarded-allow-ips`` naming the proxy,
so that it is the caller's and not the proxy's (docs/operations.md).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from domain.audit.origin import RequestOrigin, request_origin

HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): the context variable it sets is seen by the route, and by
    the worker thread a GraphQL operation runs on, which inherits the request's context."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope.get("headers", ()) if name == HEADER), None)
        request_id = given.decode() if given is not None and _VALID_ID.fullmatch(given) else uuid.uuid4().hex
        client = scope.get("client")
        origin = RequestOrigin(request_id=request_id, client_address=str(client[0])[:64] if client else None)

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (HEADER, request_id.encode())]}
            await send(message)

        with request_origin(origin):
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
