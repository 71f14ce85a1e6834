"""Every built-in plugin passes the plugin kit's conformance suite (channels.testing), with no
check skipped (issue 14 point 7; the plugin contract of DESIGN.md):

- ``smtp`` against real aiosmtpd servers that accept, defer (451) or refuse (550);
- ``webpush`` against a real Web Push receiver (tests/peers/push_service.py) that verifies VAPID and
  decrypts, answers 201, sheds load (429 Retry-After) or reports a subscription gone (410);
- ``outbox``, whose provider is a folder: what it writes, and an address no email can carry
  (header injection) as the permanent failure; its signed simulated callbacks as the webhooks;
- ``discard``, which accepts everything but a configured dead number, with a journal that
  ``reconcile`` reads.

``twilio`` and ``twilio-voice`` pass it in tests/test_twilio_sms.py and tests/test_twilio_voice.py
against Prism serving Twilio's spec. ``outbox`` and ``discard`` have no provider that fails for a
while, so their kit leaves out the "retryable" answer (``outcomes``).
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from aiosmtpd.controller import Controller
from peers.push_service import vapid_key

from channels.base import EmailEnvelope, InboundEvent, PushEnvelope, StatusEvent
from channels.discard import DiscardChannel, DiscardConfig
from channels.email.smtp import SmtpChannel, SmtpConfig
from channels.outbox import OutboxChannel, OutboxConfig, outbox_signature
from channels.testing import PluginConformance
from channels.webpush import WebPushChannel, WebPushConfig
from peers.smtp_sink import free_port

CODES = {"sent": "250 OK", "retryable": "451 4.3.0 Try again later", "permanent": "550 5.1.1 Mailbox unknown"}


class AnswerEveryRecipient:
    def __init__(self, answer: str):
        self.answer = answer

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return self.answer

    async def handle_DATA(self, server, session, envelope):
        return "250 Message accepted"


@pytest.fixture(scope="module", autouse=True)
def smtp_servers():
    controllers = {outcome: Controller(AnswerEveryRecipient(code), hostname="127.0.0.1", port=free_port())
                   for outcome, code in CODES.items()}
    for controller in controllers.values():
        controller.start()
    TestSmtpConformance.ports = {outcome: c.port for outcome, c in controllers.items()}
    yield
    for controller in controllers.values():
        controller.stop()


class TestSmtpConformance(PluginConformance):
    plugin_class = SmtpChannel
    valid_config = {"host": "smtp.example.org", "from_address": "no-reply@district.example.org",
                    "username": "mailer", "password": "correct horse battery"}
    invalid_configs = [{}, {"host": "smtp.example.org", "from_address": "a@b.org", "port": 0},
                       {"host": "smtp.example.org", "from_address": "a@b.org", "security": "sometimes"}]
    secret_fields = ("password",)
    ports: dict = {}

    def plugin_for(self, outcome):
        return SmtpChannel(SmtpConfig(host="127.0.0.1", port=self.ports[outcome], security="none",
                                      from_address="no-reply@district.example.org"))


class TestWebPushConformance(PluginConformance):
    plugin_class = WebPushChannel
    _key = vapid_key()
    valid_config = {"vapid_private_key": _key, "vapid_subject": "mailto:it@district.example.org"}
    invalid_configs = [{}, {"vapid_private_key": "not-a-key-at-all", "vapid_subject": "mailto:it@district.example.org"},
                       {"vapid_private_key": _key, "vapid_subject": "it@district.example.org"},
                       {**valid_config, "ttl_seconds": -1}]
    secret_fields = ("vapid_private_key",)
    #: The receiver's answer by subscription name: 201, 429 with Retry-After, 410 gone.
    browsers = {"sent": "desk", "retryable": "busy-phone", "permanent": "gone-tablet"}

    @pytest.fixture(autouse=True)
    def _receiver(self, push_service):
        self.push_service = push_service
        self.targets = {outcome: push_service.browser(name).target() for outcome, name in self.browsers.items()}

    def plugin_for(self, outcome):
        return WebPushChannel(WebPushConfig(vapid_private_key=self._key, vapid_subject="mailto:it@district.example.org"))

    def address(self, envelope, outcome):
        if not isinstance(envelope, PushEnvelope):
            return envelope
        return dataclasses.replace(envelope, targets=(self.targets[outcome],))

    def test_what_the_receiver_got_is_genuine(self):
        """The kit's pushes arrived signed and decrypted; nothing reached the receiver as an error."""
        self.test_a_full_batch_is_answered_envelope_by_envelope()
        assert len(self.push_service.received) == self.batch_size_to_check
        assert all("error" not in received for received in self.push_service.received)


SECRET = "outbox-callback-secret"
_events = {"events": [{"type": "status", "reference": "42", "status": "delivered"},
                      {"type": "inbound", "from": "+13125550100", "text": "Thanks!", "id": "m-1"}]}
_body = json.dumps(_events).encode()


class TestOutboxConformance(PluginConformance):
    plugin_class = OutboxChannel
    valid_config = {"directory": "outbox", "webhook_secret": SECRET}
    invalid_configs = [{"directory": 7}, {"webhook_secret": ["not", "a", "string"]}]
    secret_fields = ("webhook_secret",)
    outcomes = ("sent", "permanent")  # a folder is written or the envelope cannot be written; never "later"
    webhook_fixtures = [
        ({"X-Outbox-Signature": outbox_signature(SECRET, _body)}, _body, "http://hr.example.org/webhooks/outbox",
         [StatusEvent("42", "DELIVERED"), InboundEvent("+13125550100", "", "Thanks!", None, "m-1")]),
    ]
    forged_webhooks = [
        ({}, _body, "http://hr.example.org/webhooks/outbox"),
        ({"X-Outbox-Signature": outbox_signature("another-secret", _body)}, _body,
         "http://hr.example.org/webhooks/outbox"),
    ]

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path):
        self.directory = tmp_path / "outbox"

    def plugin_for(self, outcome):
        return OutboxChannel(OutboxConfig(directory=self.directory, webhook_secret=SECRET))

    def address(self, envelope, outcome):
        if outcome == "permanent" and isinstance(envelope, EmailEnvelope):  # a header injection attempt
            return dataclasses.replace(envelope, to=envelope.to + "\r\nBcc: everyone@families.example.org")
        return envelope

    def test_what_was_sent_is_in_the_folder(self):
        """Every served kind the kit sent is on disk: an .eml per email, a JSON line per other kind."""
        self.test_every_kind_is_sent_or_refused()
        assert [path.name for path in (self.directory / "email").glob("*.eml")] == ["5000.eml"]
        for kind in ("push", "sms", "voice"):
            [line] = (self.directory / f"{kind}.jsonl").read_text().splitlines()
            assert json.loads(line)["kind"] == kind


class TestDiscardConformance(PluginConformance):
    plugin_class = DiscardChannel
    valid_config = {"latency_ms": 0}
    invalid_configs = [{"latency_ms": -1}, {"rate_per_second": 0}, {"unreachable": "+15550100000"}]
    outcomes = ("sent", "permanent")  # it accepts everything but a dead number; never "later"
    DEAD = "+15550100000"

    @pytest.fixture(autouse=True)
    def _journal(self, tmp_path):
        self.journal = tmp_path / "journal"

    def plugin_for(self, outcome):
        return DiscardChannel(DiscardConfig(journal=self.journal, unreachable=[self.DEAD]))

    def address(self, envelope, outcome):
        return dataclasses.replace(envelope, to=self.DEAD) if outcome == "permanent" else envelope
