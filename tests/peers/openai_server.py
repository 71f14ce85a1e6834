"""An OpenAI-compatible chat server: a real HTTP server on 127.0.0.1 implementing
``POST /v1/chat/completions`` as vLLM, Ollama or llama.cpp serve it, for the writing assistant's
tests (issue 18 point 6). It records every request the ``openai`` SDK sends (headers and JSON body)
and answers as the test asks.

``behaviours`` is a queue of answers for the next requests; once it is empty every request gets
``default``. An answer is ``"ok"`` (a completion), ``"length"`` (a completion cut at the token
limit), ``"429"`` (rate limited, with ``Retry-After: <retry_after>``), ``"500"``, ``"401"``,
``"malformed"`` (200 with a body that is not JSON) or ``"no-choices"`` (JSON without choices).
"""

from __future__ import annotations

import collections
import dataclasses
import http.server
import json
import threading


@dataclasses.dataclass
class ChatRequest:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def user_content(self) -> str:
        """Everything the request carries besides the fixed system prompt."""
        return "\n".join(message["content"] for message in self.messages if message["role"] != "system")


class OpenAICompatibleServer:
    def __init__(self, *, default: str = "ok", retry_after: int = 7, api_key: str | None = None):
        """``api_key``: when set, a request without ``Authorization: Bearer <api_key>`` gets 401."""
        self.default = default
        self.retry_after = retry_after
        self.api_key = api_key
        self.behaviours: collections.deque[str] = collections.deque()
        self.requests: list[ChatRequest] = []
        self._lock = threading.Lock()
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                peer._handle(self, headers, raw)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next_behaviour(self) -> str:
        with self._lock:
            return self.behaviours.popleft() if self.behaviours else self.default

    def _handle(self, handler: http.server.BaseHTTPRequestHandler, headers: dict[str, str], raw: bytes) -> None:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            self.requests.append(ChatRequest(handler.path, headers, body))
        if handler.path != "/v1/chat/completions":
            return self._answer(handler, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return self._answer(handler, 401, {"error": {"message": "bad key", "type": "invalid_request_error",
                                                         "code": "invalid_api_key"}})
        behaviour = self._next_behaviour()
        if behaviour in ("ok", "length"):
            return self._answer(handler, 200, self._completion(body, behaviour))
        if behaviour == "429":
            return self._answer(handler, 429, {"error": {"message": "slow down", "type": "rate_limit_error"}},
                                {"Retry-After": str(self.retry_after)})
        if behaviour in ("500", "401"):
            return self._answer(handler, int(behaviour), {"error": {"message": "failed", "type": "server_error"}})
        if behaviour == "malformed":
            return self._send(handler, 200, b'{"id": "chatcmpl-1", "choices": [', "application/json")
        if behaviour == "no-choices":
            return self._answer(handler, 200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                                               "model": body.get("model", ""), "choices": []})
        raise AssertionError(f"unknown behaviour {behaviour!r}")

    def _completion(self, body: dict, behaviour: str) -> dict:
        last = body.get("messages", [{}])[-1].get("content", "")
        text = f"Suggestion {self.calls}: {last.upper()}"
        return {
            "id": f"chatcmpl-{self.calls}", "object": "chat.completion", "created": 1_700_000_000,
            "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": "length" if behaviour == "length" else "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 11 * len(body.get("messages", [])), "completion_tokens": 7,
                      "total_tokens": 11 * len(body.get("messages", [])) + 7},
        }

    def _answer(self, handler, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send(handler, status, json.dumps(payload).encode(), "application/json", headers)

    @staticmethod
    def _send(handler, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
