"""The ntfy plugin passes Homeroom's conformance suite against a local fake ntfy server."""

from __future__ import annotations

import pytest

from channels.base import PushEnvelope, Retryable
from channels.testing import PluginConformance
from fake_ntfy import FakeNtfy
from homeroom_ntfy import NtfyChannel, NtfyConfig

ANSWERS = {"sent": 200, "retryable": 503, "permanent": 400}


@pytest.fixture(scope="module", autouse=True)
def fakes():
    servers = {outcome: FakeNtfy(status) for outcome, status in ANSWERS.items()}
    TestNtfyConformance.servers = servers
    yield servers
    for server in servers.values():
        server.close()


class TestNtfyConformance(PluginConformance):
    plugin_class = NtfyChannel
    valid_config = {"server_url": "https://ntfy.example.org", "topic_prefix": "lincoln", "token": "tk_secret_123"}
    invalid_configs = [{}, {"server_url": "not a url", "topic_prefix": "lincoln"},
                       {"server_url": "https://ntfy.example.org", "topic_prefix": "no spaces allowed"}]
    secret_fields = ("token",)
    servers: dict = {}

    def plugin_for(self, outcome):
        return NtfyChannel(NtfyConfig(server_url=self.servers[outcome].url, topic_prefix="lincoln",
                                      token="tk_secret_123"))


def test_retry_after_is_honoured_and_only_a_notification_id_travels():
    fake = FakeNtfy(429, retry_after="120")
    try:
        plugin = NtfyChannel(NtfyConfig(server_url=fake.url, topic_prefix="lincoln"))
        envelope = PushEnvelope(reference="7", message_id=1, to="user:42", recipient_name="Pat",
                                title="New message from Lincoln High", notification_id="7")
        [outcome] = plugin.send([envelope])
        assert isinstance(outcome, Retryable) and outcome.delay_seconds == 120 and outcome.code == "429"
        [sent] = fake.received
        assert sent["body"] == {"topic": "lincoln-user-42", "title": "New message from Lincoln High",
                                "message": "notification 7", "tags": ["homeroom"]}
        assert sent["reference"] == "7" and sent["authorization"] is None
    finally:
        fake.close()
