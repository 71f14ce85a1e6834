"""The channel plugin contract, the stevedore registry, the outbox plugin and `homeroom plugins`."""

from __future__ import annotations

import email
import json
import os
import socket
import subprocess
import sys
from typing import ClassVar

import pytest
from pydantic import SecretStr
from sqlalchemy import select
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
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, email as an_email, first_school_id, phone
from models.db import session_scope
from models.messaging import Delivery
from resolve import request, viewer_for


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
    others = {"sms": "outbox", "voice": "outbox", "push": "outbox"}
    for plugins, expected in (({"email": "carrier-pigeon", **others},
                               "cannot start: channel 'email' is set to plugin 'carrier-pigeon', which is not installed"),
                              ({"email": "smtp", **others}, "cannot start: plugin 'smtp' config host: Field required"),
                              ({"email": "smtp"}, "invalid setting HOMEROOM_CHANNEL_PLUGINS: names no plugin for sms, "
                                                  "voice, push")):
        env = {**os.environ, "HOMEROOM_CHANNEL_PLUGINS": json.dumps(plugins)}
        result = subprocess.run([sys.executable, "-m", "homeroom.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(_free_port())], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode != 0
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(expected)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_plugins_command_shows_the_channels_left_to_the_default_plugin():
    """Covers issue 13 point 24: in development, with only SMS named, `homeroom plugins` shows email,
    voice and push on outbox, marked as the default, and SMS on the named plugin."""
    env = {**os.environ, "HOMEROOM_ENVIRONMENT": "development", "HOMEROOM_CHANNEL_PLUGINS": '{"sms": "discard"}'}
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "plugins", "--json"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert (rows["discard"]["configured_for"], rows["discard"]["defaulted_for"]) == (["sms"], [])
    assert rows["outbox"]["configured_for"] == rows["outbox"]["defaulted_for"] == ["email", "push", "voice"]
    table = subprocess.run([sys.executable, "-m", "homeroom.cli", "plugins"], capture_output=True, text=True,
                           env={**env, "COLUMNS": "250"}, timeout=60).stdout
    assert "email (default), push (default), voice (default)" in table
    assert "does not name keeps the default plugin" in table


def test_naming_one_channel_delivers_the_others_through_their_default_plugin(engine, tmp_path):
    """Covers issue 13 point 24: a development process started with HOMEROOM_CHANNEL_PLUGINS=
    {"sms": "discard"} sends a message's SMS through discard (its journal lists them) and its email
    through the default outbox (one .eml each); no delivery ends CHANNEL_NOT_CONFIGURED. (Production
    refuses to start instead: test_settings.)"""
    kids = [add_student(engine, first_school_id(engine)) for _ in range(3)]
    for kid in kids:
        add_contact(engine, kid, custodial=True, mobile_phone=phone(), email=an_email())
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request("PRIMARY_CONTACTS", kids, channels=("EMAIL", "SMS")))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    outbox, journal = tmp_path / "outbox", tmp_path / "sms-journal.txt"
    script = ("import json, sys\n"
              "from domain.delivery.dispatch import dispatch_deliveries\n"
              "from homeroom.runtime import start_runtime\n"
              "runtime = start_runtime()\n"
              "for chunk in json.loads(sys.argv[1]):\n"
              "    dispatch_deliveries(runtime.engine, runtime.registry, chunk, runtime.delivery)\n")
    env = {**os.environ, "HOMEROOM_ENVIRONMENT": "development", "HOMEROOM_CHANNEL_PLUGINS": json.dumps({"sms": "discard"}),
           "HOMEROOM_PLUGIN_CONFIG": json.dumps({"outbox": {"directory": str(outbox)},
                                                 "discard": {"journal": str(journal)}})}
    result = subprocess.run([sys.executable, "-c", script, json.dumps(chunks)], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery.id, Delivery.channel, Delivery.status, Delivery.error_code)
                               .where(Delivery.message_id == message.id)).all()
    emails = sorted(str(row.id) for row in rows if row.channel == "EMAIL")
    sms = sorted(str(row.id) for row in rows if row.channel == "SMS")
    assert len(emails) == len(sms) == 3
    assert {(row.status, row.error_code) for row in rows} == {("SENT", None)}
    assert sorted(path.stem for path in (outbox / "email").glob("*.eml")) == emails
    assert sorted(journal.read_text().split()) == sms and not (outbox / "sms.jsonl").exists()


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
