"""The ``outbox`` plugin: writes what would be sent instead of sending it.

Email becomes one RFC 5322 ``.eml`` file per envelope under ``<directory>/email/``; SMS, calls
and push become one JSON line each in ``<directory>/<kind>.jsonl``. Files are named by the
delivery reference, so a retried batch overwrites rather than duplicates an email.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from channels.base import (
    Capabilities,
    ChannelKind,
    ChannelPlugin,
    EmailEnvelope,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    Reconciled,
    Sent,
)
from channels.email_format import compose_email

_append_lock = threading.Lock()


class OutboxConfig(PluginConfig):
    directory: Path = Field(default=Path("outbox"), description="Folder the files are written to.")
    from_address: str = Field(default="no-reply@homeroom.example.org")


class OutboxChannel(ChannelPlugin):
    name: ClassVar[str] = "outbox"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)
    Config: ClassVar[type[PluginConfig]] = OutboxConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=500, attachments=True)

    config: OutboxConfig

    def send(self, batch: Sequence[Envelope]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        lines: dict[ChannelKind, list[str]] = {}
        for envelope in batch:
            if envelope.kind not in self.kinds:
                outcomes.append(PermanentFailure(envelope.reference, "UNSUPPORTED_CHANNEL"))
            elif isinstance(envelope, EmailEnvelope):
                outcomes.append(self._write_email(envelope))
            else:
                lines.setdefault(envelope.kind, []).append(self._json_line(envelope))
                outcomes.append(Sent(envelope.reference, f"outbox-{envelope.kind.value}-{envelope.reference}"))
        for kind, kind_lines in lines.items():
            self._append(self.config.directory / f"{kind.value}.jsonl", kind_lines)
        return outcomes

    def reconcile(self, references: Sequence[str]) -> dict[str, Reconciled]:
        """The outbox is its own provider record: an email file or a JSON line per reference."""
        directory = self.config.directory
        written = {path.stem for path in (directory / "email").glob("*.eml")} if (directory / "email").exists() else set()
        for kind in (ChannelKind.SMS, ChannelKind.VOICE, ChannelKind.PUSH):
            path = directory / f"{kind.value}.jsonl"
            if path.exists():
                written |= {json.loads(line)["reference"] for line in path.read_text().splitlines() if line.strip()}
        return {ref: Reconciled.SENT if ref in written else Reconciled.NOT_SENT for ref in references}

    def check(self) -> str | None:
        directory = self.config.directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"cannot create {directory}: {error.strerror}"
        return None

    def _write_email(self, envelope: EmailEnvelope) -> Outcome:
        message = compose_email(envelope, from_address=self.config.from_address, message_id_domain="homeroom.local")
        folder = self.config.directory / "email"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{envelope.reference}.eml"
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)
        return Sent(envelope.reference, message["Message-ID"])

    @staticmethod
    def _json_line(envelope: Envelope) -> str:
        record = {"kind": envelope.kind.value}
        record.update(dataclasses.asdict(envelope))  # nested push targets become plain data
        return json.dumps(record, sort_keys=True)

    @staticmethod
    def _append(path: Path, lines: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _append_lock, path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
