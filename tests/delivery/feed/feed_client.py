"""The npm graphql-ws client (tests/peers/feed_client.cjs) run under Node as a partner's feed
reader: one process per connection, its events collected from stdout by a thread."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
NODE_MODULES = REPO / ".tools" / "node_modules"
CLIENT = REPO / "tests" / "peers" / "feed_client.cjs"


def why_unavailable() -> str | None:
    """Why the Node client cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("graphql-ws", "ws"):
        if not (NODE_MODULES / package / "package.json").exists():
            return f"the npm package {package} is not installed in {NODE_MODULES} (./run installs it)"
    return None


class NodeFeedClient:
    """One subscription to deliveryEvents; ``events`` fills as they arrive, ``done`` when it stops."""

    def __init__(self, url: str, token: str, *, after: str | None = None, stop_after: int | None = None):
        env = {**os.environ, "NODE_PATH": str(NODE_MODULES), "FEED_URL": url, "FEED_TOKEN": token,
               "FEED_AFTER": after or "", "FEED_STOP_AFTER": str(stop_after or 0)}
        self.process = subprocess.Popen(["node", str(CLIENT)], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.events: list[dict] = []
        self.done: dict | None = None
        self.errors: list = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            item = json.loads(line)
            if "error" in item:
                self.errors.append(item["error"])
            elif "done" in item:
                self.done = item
            else:
                self.events.append(item)

    def wait(self, predicate, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert not self.errors, self.errors
            if self.process.poll() is not None and self.done is None:
                self._reader.join(5)
                raise AssertionError(f"the feed client ended early: {self.errors} {self.process.stderr.read()}")
            assert time.monotonic() < deadline, f"timed out: {what} ({len(self.events)} events)"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)
