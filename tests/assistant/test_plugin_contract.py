"""The ``homeroom.assistants`` plugin contract, conformance-style, run on the built-in
``openai-compatible`` plugin with the real ``openai`` SDK against a local OpenAI-compatible server;
and the config's secret never printed (repr, str, the redacted config, ``homeroom plugins``,
start-up errors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from channels.assistants.base import (
    AssistantConfig,
    AssistantPermanent,
    AssistantPlugin,
    AssistantRetryable,
    ChatMessage,
    Completion,
)
from channels.assistants.loading import NAMESPACE, discover_assistants, load_assistant_plugin
from channels.registry import PluginLoadError
from assistant_support import API_KEY, MODEL, assistant_service

HELLO = [ChatMessage("system", "Answer briefly."), ChatMessage("user", "hello")]


def test_the_built_in_plugin_is_registered_in_the_namespace():
    assert NAMESPACE == "homeroom.assistants"
    found = {plugin.name: plugin for plugin in discover_assistants()}
    plugin = found["openai-compatible"]
    assert plugin.load_error is None and issubclass(plugin.plugin_class, AssistantPlugin)
    assert issubclass(plugin.plugin_class.Config, AssistantConfig)


def test_every_installed_plugin_declares_a_name_a_config_with_limits_and_complete():
    for plugin in discover_assistants():
        cls = plugin.plugin_class
        assert cls is not None, plugin.load_error
        assert cls.name == plugin.name
        assert {"max_prompt_characters", "max_output_tokens"} <= set(cls.Config.model_fields)
        assert "complete" not in getattr(cls, "__abstractmethods__", ())
        with pytest.raises(Exception):  # noqa: B017  (unknown keys are refused: pydantic's error)
            cls.Config.model_validate({"model": "m", "no_such_setting": 1})


def test_complete_returns_the_text_and_the_tokens_counted(chat_server):
    plugin = assistant_service(chat_server.base_url, max_output_tokens=123).plugin
    assert plugin.limits.max_prompt_characters == 500 and plugin.limits.max_output_tokens == 123
    completion = plugin.complete(HELLO, max_output_tokens=123)
    assert completion == Completion(text="Suggestion 1: HELLO", prompt_tokens=22, completion_tokens=7)
    (sent,) = chat_server.requests
    assert sent.body == {"model": MODEL, "temperature": 0.7, "max_tokens": 123,
                         "messages": [{"role": "system", "content": "Answer briefly."},
                                      {"role": "user", "content": "hello"}]}
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


def test_the_output_limit_can_go_as_max_completion_tokens(chat_server):
    plugin = assistant_service(chat_server.base_url, output_token_parameter="max_completion_tokens").plugin
    plugin.complete(HELLO, max_output_tokens=50)
    assert chat_server.requests[0].body["max_completion_tokens"] == 50 and "max_tokens" not in chat_server.requests[0].body


@pytest.mark.parametrize(("behaviour", "error", "code", "delay"), [
    ("429", AssistantRetryable, "RATE_LIMITED", 7.0),
    ("500", AssistantRetryable, "HTTP_500", None),
    ("401", AssistantPermanent, "HTTP_401", None),
    ("malformed", AssistantPermanent, "BAD_RESPONSE", None),
    ("no-choices", AssistantPermanent, "BAD_RESPONSE", None),
])
def test_failures_are_retryable_with_a_delay_or_permanent_and_never_retried_by_the_sdk(chat_server, behaviour, error,
                                                                                       code, delay):
    chat_server.behaviours.append(behaviour)
    plugin = assistant_service(chat_server.base_url).plugin
    with pytest.raises(error) as raised:
        plugin.complete(HELLO, max_output_tokens=10)
    assert raised.value.code == code and getattr(raised.value, "delay_seconds", None) == delay
    assert API_KEY not in str(raised.value) and "hello" not in str(raised.value)
    assert chat_server.calls == 1


def test_an_unreachable_server_is_retryable():
    from peers.smtp_sink import free_port

    plugin = assistant_service(f"http://127.0.0.1:{free_port()}/v1").plugin
    with pytest.raises(AssistantRetryable) as raised:
        plugin.complete(HELLO, max_output_tokens=10)
    assert raised.value.code == "UNREACHABLE"


def test_the_api_key_never_appears_when_the_config_or_plugin_is_printed(chat_server):
    plugin = assistant_service(chat_server.base_url).plugin
    for shown in (repr(plugin.config), str(plugin.config), repr(plugin), json.dumps(plugin.config.redacted()),
                  repr(plugin.config.model_dump())):
        assert API_KEY not in shown
    assert plugin.config.redacted()["api_key"] == "**********"


def test_a_bad_config_stops_start_up_without_echoing_the_key():
    with pytest.raises(PluginLoadError) as raised:
        load_assistant_plugin("openai-compatible", {"api_key": API_KEY, "base_url": f"ftp://{API_KEY}@x"})
    assert "openai-compatible" in str(raised.value) and API_KEY not in str(raised.value)
    with pytest.raises(PluginLoadError, match="not installed"):
        load_assistant_plugin("no-such-assistant", {})


def test_settings_and_homeroom_plugins_show_the_assistant_without_its_secret(tmp_path):
    """``homeroom plugins`` lists the assistant like the channel plugins, config redacted; the
    settings' repr leaves the assistant config out."""
    from homeroom.settings import load_settings

    config = json.dumps({"model": MODEL, "api_key": API_KEY, "base_url": "http://127.0.0.1:9/v1"})
    settings = load_settings(assistant_plugin="openai-compatible", assistant_config=json.loads(config))
    assert API_KEY not in repr(settings) and API_KEY not in str(settings)
    env = {**os.environ, "HOMEROOM_ASSISTANT_PLUGIN": "openai-compatible", "HOMEROOM_ASSISTANT_CONFIG": config,
           "HOMEROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'plugins.db'}", "COLUMNS": "400"}
    for arguments in (["plugins", "--json"], ["plugins"]):
        done = subprocess.run([sys.executable, "-m", "homeroom.cli", *arguments], env=env, capture_output=True,
                              text=True, timeout=120, check=True)
        assert API_KEY not in done.stdout + done.stderr
    rows = {row["name"]: row for row in json.loads(
        subprocess.run([sys.executable, "-m", "homeroom.cli", "plugins", "--json"], env=env, capture_output=True,
                       text=True, timeout=120, check=True).stdout)}
    row = rows["openai-compatible"]
    assert row["serves"] == ["assistant"] and row["configured_for"] == ["assistant"] and row["status"] == "valid"
    assert row["config"]["api_key"] == "**********" and row["schema"]["api_key"] == "secret"
