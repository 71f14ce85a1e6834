"""The channel plugin contract, the stevedore registry, the outbox plugin and `homeroom plugins`."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from typing import ClassVar

import pytest
from pydantic import SecretStr
from stevedore import ExtensionManager
from stevedore.extension import Extension

from channels.base import (
    ChannelKind,
    EmailEnvelope,
    PluginConfig,
    Sent,
    SmsChannel,
    SmsEnvelope,
)
from channels.outbox import OutboxChannel
from channels.registry import ChannelRegistry, DiscoveredPlugin, PluginLoadError, discover


class TokenConfig(PluginConfig):
    account: str
    auth_token: SecretStr


class FakeSms(SmsChannel):
    name: ClassVar[str] = "fakesms"
    Config: ClassVar[type[PluginConfig]] = TokenConfig

    def send(self, batch):
        return [Sent(envelope.reference, "fake") for envelope in batch]


def _discovered(*plugins):
    manager = ExtensionManager.make_test_instance(
        [Extension(p.name, None, p, None) for p in plugins], namespace="homeroom.channels")
    return discover(manager)


def test_outbox_is_discovered_through_the_entry_point():
    found = {plugin.name: plugin for plugin in discover()}
    assert found["outbox"].plugin_class is OutboxChannel
    assert found["outbox"].plugin_class.kinds == frozenset(ChannelKind)


def test_outbox_writes_eml_and_json_lines(tmp_path):
    plugin = OutboxChannel.from_mapping({"directory": str(tmp_path)})
    outcomes = plugin.send([
        EmailEnvelope(reference="41", message_id=1, to="ana@families.example.org", recipient_name="Ana Ruiz",
                      from_name="Lincoln Elementary", subject="Hola", html_body="<p>Hi</p>", text_body="Hi"),
        SmsEnvelope(reference="42", message_id=1, to="+13125550101", recipient_name="Ana Ruiz", text="Hi"),
    ])
    assert [type(o) for o in outcomes] == [Sent, Sent] and [o.reference for o in outcomes] == ["41", "42"]
    parsed = email.message_from_bytes((tmp_path / "email" / "41.eml").read_bytes())
    assert parsed["To"] == "Ana Ruiz <ana@families.example.org>" and parsed["Subject"] == "Hola"
    assert parsed.is_multipart()
    line = json.loads((tmp_path / "sms.jsonl").read_text())
    assert line["reference"] == "42" and line["to"] == "+13125550101"


def test_config_is_validated_when_built_and_errors_hide_values():
    discovered = _discovered(FakeSms)
    with pytest.raises(PluginLoadError) as error:
        ChannelRegistry.from_settings({"sms": "fakesms"}, {"fakesms": {"account": "AC1", "auth_tokn": "s3cr3t"}},
                                      discovered)
    assert "fakesms" in str(error.value) and "s3cr3t" not in str(error.value)
    registry = ChannelRegistry.from_settings({"sms": "fakesms"}, {"fakesms": {"account": "AC1", "auth_token": "s3cr3t"}},
                                             discovered)
    plugin = registry.for_kind(ChannelKind.SMS)
    assert plugin.config.redacted() == {"account": "AC1", "auth_token": "**********"}


def test_missing_or_unfit_plugin_stops_start_up():
    discovered = _discovered(FakeSms)
    with pytest.raises(PluginLoadError, match="not installed"):
        ChannelRegistry.from_settings({"email": "smtp"}, {}, discovered)
    with pytest.raises(PluginLoadError, match="does not serve the email channel"):
        ChannelRegistry.from_settings({"email": "fakesms"}, {"fakesms": {"account": "a", "auth_token": "b"}},
                                      discovered)
    broken = [DiscoveredPlugin("broken", None, "ImportError: no module named twilio_x", "")]
    with pytest.raises(PluginLoadError, match="failed to load: ImportError"):
        ChannelRegistry.from_settings({"sms": "broken"}, {}, broken)


def test_serve_refuses_to_start_with_a_missing_or_misconfigured_plugin():
    for plugins, expected in (('{"email": "carrier-pigeon"}',
                               "cannot start: channel 'email' is set to plugin 'carrier-pigeon', which is not installed"),
                              ('{"email": "smtp"}', "cannot start: plugin 'smtp' config host: Field required")):
        env = {**os.environ, "HOMEROOM_CHANNEL_PLUGINS": plugins}
        result = subprocess.run([sys.executable, "-m", "homeroom.cli", "serve", "--port", "0"], capture_output=True,
                                text=True, env=env, timeout=60)
        assert result.returncode == 1
        assert expected in result.stderr


def test_plugins_command_lists_channels_and_validity_without_secrets():
    env = {**os.environ, "HOMEROOM_PLUGIN_CONFIG": json.dumps({"outbox": {"directory": "/tmp/x", "password": "hunter2"}})}
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "plugins", "--json"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["outbox"]["serves"] == ["email", "push", "sms", "voice"]
    assert rows["outbox"]["status"].startswith("invalid: plugin 'outbox' config password")
    assert "hunter2" not in result.stdout
    ok = subprocess.run([sys.executable, "-m", "homeroom.cli", "plugins", "--json"], capture_output=True,
                        text=True, env=os.environ.copy(), timeout=60)
    listed = {row["name"]: row for row in json.loads(ok.stdout)}
    assert listed["discard"]["configured_for"] == [] and listed["discard"]["status"] == "valid"
    row = listed["outbox"]
    assert row["status"] == "valid" and row["configured_for"] == ["email", "push", "sms", "voice"]
    assert row["schema"] == {"directory": "Path", "from_address": "str", "webhook_secret": "secret"}


def test_redaction_of_secret_config():
    config = TokenConfig(account="AC1", auth_token=SecretStr("s3cr3t"))
    assert "s3cr3t" not in repr(config) and config.redacted()["auth_token"] == "**********"
