"""The built-in smtp plugin passes the plugin kit's conformance suite (channels.testing) against
real aiosmtpd servers that accept, defer (451) or refuse (550)."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from channels.email.smtp import SmtpChannel, SmtpConfig
from channels.testing import PluginConformance
from smtp_sink import free_port

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
