"""A local stand-in for an ntfy server: records what it is sent and answers as told."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeNtfy:
    def __init__(self, status: int = 200, retry_after: str | None = None):
        self.status, self.retry_after, self.received = status, retry_after, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append({"body": body, "authorization": self.headers.get("Authorization"),
                                      "reference": self.headers.get("X-Homeroom-Reference")})
                self.send_response(fake.status)
                if fake.retry_after:
                    self.send_header("Retry-After", fake.retry_after)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                if fake.status < 300:
                    self.wfile.write(json.dumps({"id": f"ntfy-{len(fake.received)}"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
