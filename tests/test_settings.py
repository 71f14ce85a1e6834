"""Settings: a bad value stops start-up with one clear line naming the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from homeroom.settings import SettingsError, load_settings


@pytest.mark.parametrize("variable,value", [
    ("HOMEROOM_DATABASE_URL", "mysql://localhost/x"),
    ("HOMEROOM_REDIS_URL", "http://localhost"),
    ("HOMEROOM_CHANNEL_PLUGINS", "not json"),
    ("HOMEROOM_CHANNEL_PLUGINS", '{"fax": "outbox"}'),
    ("HOMEROOM_JWT_TTL_MINUTES", "-5"),
    ("HOMEROOM_ENVIRONMENT", "staging"),
])
def test_bad_value_names_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(f"invalid setting {variable}:")
    assert "\n" not in str(error.value)


def test_cli_stops_with_one_line(tmp_path):
    env = {**os.environ, "HOMEROOM_DATABASE_URL": "oracle://nope"}
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "migrate"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "invalid setting HOMEROOM_DATABASE_URL: Value error, must be a sqlite:/// or postgresql+psycopg:// URL"]


def test_embedded_when_redis_unset(monkeypatch):
    monkeypatch.delenv("HOMEROOM_REDIS_URL", raising=False)
    settings = load_settings()
    assert settings.embedded and settings.channel_plugins["email"] == "outbox"


def test_naming_one_channel_keeps_the_default_plugin_for_the_others(monkeypatch):
    """Covers issue 13 point 24: HOMEROOM_CHANNEL_PLUGINS={"sms": "smsgw"} changes SMS only; email,
    voice and push keep the default plugin (outbox), and the settings say which were defaulted."""
    monkeypatch.setenv("HOMEROOM_CHANNEL_PLUGINS", '{"sms": "smsgw"}')
    settings = load_settings()
    assert settings.channel_plugins == {"email": "outbox", "sms": "smsgw", "voice": "outbox", "push": "outbox"}
    assert settings.defaulted_channels == ["email", "voice", "push"]
    every = {"email": "smtp", "sms": "twilio", "voice": "twilio-voice", "push": "webpush"}
    monkeypatch.setenv("HOMEROOM_CHANNEL_PLUGINS", json.dumps(every))
    settings = load_settings()
    assert settings.channel_plugins == every and settings.defaulted_channels == []
    monkeypatch.delenv("HOMEROOM_CHANNEL_PLUGINS")
    assert load_settings().defaulted_channels == ["email", "sms", "voice", "push"]
