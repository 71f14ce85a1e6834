"""Settings: a bad value stops start-up with one clear line naming the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from homeroom.settings import SettingsError, load_settings
from peers.smtp_sink import free_port


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
        "invalid setting HOMEROOM_DATABASE_URL: must be a sqlite:/// or postgresql+psycopg:// URL"]


def test_embedded_when_redis_unset(monkeypatch):
    monkeypatch.delenv("HOMEROOM_REDIS_URL", raising=False)
    settings = load_settings()
    assert settings.embedded and settings.channel_plugins["email"] == "outbox"


def test_naming_one_channel_keeps_the_default_plugin_for_the_others(monkeypatch):
    """Covers issue 13 point 24: in development HOMEROOM_CHANNEL_PLUGINS={"sms": "smsgw"} changes SMS
    only; email, voice and push keep the default plugin (outbox), and the settings say which were
    defaulted."""
    monkeypatch.setenv("HOMEROOM_ENVIRONMENT", "development")
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


def test_production_refuses_to_start_with_a_channel_left_out(monkeypatch):
    """Covers issue 13 point 24: in production a channel HOMEROOM_CHANNEL_PLUGINS leaves out would
    go to the outbox, its deliveries SENT while nobody receives them; start-up stops instead, naming
    the variable and each channel left out. Naming all four, or none (the all-outbox trial), starts."""
    monkeypatch.setenv("HOMEROOM_ENVIRONMENT", "production")
    monkeypatch.setenv("HOMEROOM_CHANNEL_PLUGINS", '{"email": "smtp", "sms": "twilio"}')
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith("invalid setting HOMEROOM_CHANNEL_PLUGINS:") and "voice, push" in message
    monkeypatch.setenv("HOMEROOM_CHANNEL_PLUGINS", json.dumps(
        {"email": "smtp", "sms": "twilio", "voice": "twilio-voice", "push": "discard"}))
    assert load_settings().defaulted_channels == []
    monkeypatch.delenv("HOMEROOM_CHANNEL_PLUGINS")
    assert load_settings().channel_plugins == {kind: "outbox" for kind in ("email", "sms", "voice", "push")}


PUBLIC_DEFAULT = "homeroom-development-secret-change-me"


@pytest.mark.parametrize("secret", [None, PUBLIC_DEFAULT, "only-31-characters-long-secret!"])
def test_production_refuses_a_missing_public_or_short_secret(monkeypatch, secret):
    """Issue 13 point 3: in production the signing secret must be set, not the public default and
    at least 32 characters; the error names the variable and never shows the value."""
    monkeypatch.setenv("HOMEROOM_ENVIRONMENT", "production")
    if secret is None:
        monkeypatch.delenv("HOMEROOM_JWT_SECRET", raising=False)
    else:
        monkeypatch.setenv("HOMEROOM_JWT_SECRET", secret)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith("invalid setting HOMEROOM_JWT_SECRET:") and "32 characters" in message
    assert "\n" not in message and (secret is None or secret not in message)


def test_previous_secrets_are_held_to_the_same_rule_in_production(monkeypatch):
    """Issue 13 point 3: a rotated-out secret still verifies, so it must be as strong as the current one."""
    monkeypatch.setenv("HOMEROOM_JWT_PREVIOUS_SECRETS", json.dumps(["x" * 40, PUBLIC_DEFAULT]))
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith("invalid setting HOMEROOM_JWT_PREVIOUS_SECRETS:")
    assert PUBLIC_DEFAULT not in str(error.value)
    monkeypatch.setenv("HOMEROOM_JWT_PREVIOUS_SECRETS", json.dumps(["x" * 40]))
    assert [secret.get_secret_value() for secret in load_settings().jwt_previous_secrets] == ["x" * 40]


def test_development_runs_without_a_secret(monkeypatch):
    """Issue 13 point 3: development (and the demo, which makes its own secret) needs none."""
    monkeypatch.setenv("HOMEROOM_ENVIRONMENT", "development")
    monkeypatch.delenv("HOMEROOM_JWT_SECRET", raising=False)
    assert load_settings().jwt_secret.get_secret_value() == PUBLIC_DEFAULT


def test_production_start_up_fails_naming_the_secret(tmp_path):
    """Issue 13 point 3: `homeroom serve` in production without HOMEROOM_JWT_SECRET stops at once
    with one line naming it, before it listens or touches a database."""
    env = {key: value for key, value in os.environ.items() if key != "HOMEROOM_JWT_SECRET"}
    env.update(HOMEROOM_ENVIRONMENT="production", HOMEROOM_DATABASE_URL=f"sqlite:///{tmp_path / 'never.db'}")
    port = str(free_port())
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "serve", "--host", "127.0.0.1", "--port", port],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("invalid setting HOMEROOM_JWT_SECRET:")
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize("environment,setting,expected", [
    ("production", None, False), ("development", None, True), ("production", "true", True),
    ("development", "false", False)])
def test_introspection_is_a_setting_off_in_production(monkeypatch, environment, setting, expected):
    """Issue 13 point 16: HOMEROOM_GRAPHQL_INTROSPECTION, by default on only in development."""
    monkeypatch.setenv("HOMEROOM_ENVIRONMENT", environment)
    if setting is None:
        monkeypatch.delenv("HOMEROOM_GRAPHQL_INTROSPECTION", raising=False)
    else:
        monkeypatch.setenv("HOMEROOM_GRAPHQL_INTROSPECTION", setting)
    assert load_settings().introspection is expected
