"""A real Homeroom API process (uvicorn on a free port) for tests that the in-process TestClient
cannot show: one event loop shared by many clients, bodies that arrive over a socket, WebSockets
held open for seconds. It runs on the test run's database and settings (the environment conftest
sets), without a worker of its own."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

#: The server's PostgreSQL connections carry this name, so a test can find them in pg_stat_activity.
APPLICATION_NAME = "homeroom-live-server-test"

_LAUNCH = """
import uvicorn
from homeroom.app import create_app, server_options
from homeroom.settings import get_settings
uvicorn.run(create_app(run_worker=False), host="127.0.0.1", port={port}, log_level="warning",
            **server_options(get_settings()))
"""


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    ws_url: str
    port: int
    pid: int

    def rss_bytes(self) -> int:
        """The server process's resident memory (Linux /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS in /proc status")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def live_server(log_path: Path, **env: str) -> Iterator[LiveServer]:
    port = free_port()
    environment = {**os.environ, "PGAPPNAME": APPLICATION_NAME, **env}
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-c", _LAUNCH.format(port=port)], env=environment,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log_path.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                        break
                assert time.monotonic() < deadline, "the server did not start: " + log_path.read_text()
                time.sleep(0.2)
            yield LiveServer(base_url=base_url, ws_url=f"ws://127.0.0.1:{port}/graphql", port=port, pid=process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
