"""A Standard Webhooks receiver: a real HTTP server on 127.0.0.1 that verifies every request's
signature with the ``standardwebhooks`` package (as a partner would), records what it got, and
answers as the test asks: 2xx, 500, or only after sleeping past the sender's timeout.

``behaviours`` is a queue of answers for the next requests (``"ok"``, ``"500"``, ``"sleep:<s>"``);
once it is empty every request gets ``default``.
"""

from __future__ import annotations

import collections
import dataclasses
import http.server
import json
import threading
import time

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclasses.dataclass
class Received:
    headers: dict[str, str]
    body: str
    verified: bool
    answered: int | None  # None: slept, then answered after the sender had given up
    payload: dict | None

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def type(self) -> str | None:
        return self.payload["type"] if self.payload else None


class WebhookReceiver:
    def __init__(self, secret: str = "", default: str = "ok", tls=None, host_name: str = "127.0.0.1"):
        """``tls``: an ssl.SSLContext to serve https with; ``host_name``: the name its URL uses."""
        self.secrets: list[str] = [secret] if secret else []
        self.default = default
        self.behaviours: collections.deque[str] = collections.deque()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length).decode()
                headers = {key.lower(): value for key, value in self.headers.items()}
                receiver._handle(self, headers, body)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme, self.host_name = ("https" if tls else "http"), host_name
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host_name}:{self.server.server_address[1]}/hooks/homeroom"

    def _verify(self, body: str, headers: dict[str, str]) -> dict | None:
        for secret in self.secrets:
            try:
                return Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
        return None

    def _handle(self, handler, headers: dict[str, str], body: str) -> None:
        with self._lock:
            behaviour = self.behaviours.popleft() if self.behaviours else self.default
        payload = self._verify(body, headers)
        status = 401 if payload is None else 200
        record = Received(headers, body, payload is not None, None, payload)
        if behaviour.startswith("sleep:"):
            time.sleep(float(behaviour.split(":", 1)[1]))
        elif behaviour == "500" and payload is not None:
            status = 500
        if not behaviour.startswith("sleep:"):
            record.answered = status
        with self._lock:
            self.received.append(record)
        answer = json.dumps({"ok": status < 300}).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(answer)))
            handler.end_headers()
            handler.wfile.write(answer)
        except OSError:  # the sender gave up (a timeout)
            pass

    def of_type(self, event_type: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.type == event_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
