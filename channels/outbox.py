"""The ``outbox`` plugin: writes what would be sent instead of sending it.

Email becomes one RFC 5322 ``.eml`` file per envelope under ``<directory>/email/``, opening with
the ``Return-Path`` a receiving server would record (the delivery's signed bounce address), and
the copy its Cc addresses get under ``<directory>/email/cc/`` (channels.email.format); SMS,
calls and push become one JSON line each in ``<directory>/<kind>.jsonl``. Files are named by the
delivery reference, so a retried batch overwrites rather than duplicates an email.

With a ``webhook_secret`` it also plays the provider's callbacks, so a demo or a frontend can
show receipts and answers: POST ``/webhooks/outbox`` a JSON body
``{"events": [{"type": "status", "reference": "42", "status": "DELIVERED"},
{"type": "inbound", "from": "+13125550100", "text": "Thanks!", "id": "m-1"}]}`` signed with
``X-Outbox-Signature: sha256=<hex HMAC-SHA256 of the body>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from channels.base import (
    Capabilities,
    ChannelKind,
    ChannelPlugin,
    EmailEnvelope,
    Envelope,
    InboundEvent,
    Outcome,
    PermanentFailure,
    PluginConfig,
    Reconciled,
    Sent,
    StatusEvent,
    WebhookEvent,
    WebhookRejected,
)
from channels.email.format import INVALID_ADDRESS, UnsendableEmail, compose_cc_copy, compose_email

_append_lock = threading.Lock()


SIGNATURE_HEADER = "x-outbox-signature"


class OutboxConfig(PluginConfig):
    directory: Path = Field(default=Path("outbox"), description="Folder the files are written to.")
    from_address: str = Field(default="no-reply@homeroom.example.org")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signs simulated provider callbacks to /webhooks/outbox; none: callbacks refused.")


def outbox_signature(secret: str, body: bytes) -> str:
    """The X-Outbox-Signature value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class OutboxChannel(ChannelPlugin):
    name: ClassVar[str] = "outbox"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)
    Config: ClassVar[type[PluginConfig]] = OutboxConfig
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=500, attachments=True, status_callbacks=True,
                                                        inbound_messages=True)

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

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, url: str) -> list[WebhookEvent]:
        secret = self.config.webhook_secret
        given = {key.lower(): value for key, value in headers.items()}.get(SIGNATURE_HEADER, "")
        if secret is None or not hmac.compare_digest(given, outbox_signature(secret.get_secret_value(), body)):
            raise WebhookRejected("missing or wrong X-Outbox-Signature")
        events: list[WebhookEvent] = []
        for item in json.loads(body)["events"]:
            if item["type"] == "status":
                events.append(StatusEvent(str(item["reference"]), str(item["status"]).upper(), item.get("code"),
                                          item.get("detail")))
            elif item["type"] == "inbound":
                events.append(InboundEvent(str(item["from"]), str(item.get("to", "")), str(item["text"]),
                                           item.get("in_reply_to"), item.get("id")))
            else:
                raise ValueError(f"unknown event type {item['type']!r}")
        return events

    def check(self) -> str | None:
        directory = self.config.directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"cannot create {directory}: {error.strerror}"
        return None

    def _write_email(self, envelope: EmailEnvelope) -> Outcome:
        try:
            message = compose_email(envelope, from_address=self.config.from_address,
                                    message_id_domain="homeroom.local")
            cc_copy = compose_cc_copy(envelope, from_address=self.config.from_address,
                                      message_id_domain="homeroom.local")
        except UnsendableEmail as error:
            return PermanentFailure(envelope.reference, INVALID_ADDRESS, str(error))
        folder = self.config.directory / "email"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{envelope.reference}.eml"
        temporary = path.with_suffix(".eml.tmp")
        data = bytes(message)
        if envelope.return_path:  # what the final mail server writes: the envelope's MAIL FROM
            data = f"Return-Path: <{envelope.return_path}>\n".encode() + data
        temporary.write_bytes(data)
        temporary.replace(path)
        if cc_copy is not None:  # what the Cc addresses get, apart (channels.email.format)
            copies = folder / "cc"
            copies.mkdir(exist_ok=True)
            copy_path = copies / f"{envelope.reference}.eml"
            copy_path.with_suffix(".eml.tmp").write_bytes(bytes(cc_copy))
            copy_path.with_suffix(".eml.tmp").replace(copy_path)
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
