"""Twilio in the tests: the Prism mock serving Twilio's published OpenAPI description, with
request validation as errors, so every call the official SDK makes is checked against Twilio's
own spec; and a small server that answers with Twilio's error bodies, which the spec does not
describe (21610, 429, 400)."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / ".tools" / "node_modules" / ".bin" / "prism"
SPEC = Path(__file__).parent / "twilio" / "twilio_api_v2010.json"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token"
STARTUP_SECONDS = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def twilio_mock(tmp_path_factory):
    """The base URL of a Prism mock of Twilio's API v2010."""
    if not PRISM.exists():
        pytest.skip("Prism is not installed: ./run tests installs it into .tools with npm")
    port = free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(PRISM), "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                                   stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Prism is listening" not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("Prism did not start:\n" + log_path.read_text(errors="replace")[-2000:])
        time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


class TwilioErrors:
    """Answers every Messages create with the next queued (status, Twilio error code) and counts calls."""

    def __init__(self):
        self.answers: list[tuple[int, int]] = []
        self.calls = 0
        errors = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                errors.calls += 1
                status, code = errors.answers.pop(0) if errors.answers else (400, 21211)
                body = json.dumps({"code": code, "message": f"error {code}", "more_info":
                                   f"https://www.twilio.com/docs/errors/{code}", "status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio_errors():
    errors = TwilioErrors()
    yield errors
    errors.close()


def signed(url: str, params: dict, token: str = AUTH_TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params),
            "Content-Type": "application/x-www-form-urlencoded"}
