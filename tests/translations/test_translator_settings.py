"""The translator's settings (issue 19 point 6; TRN-01): HOMEROOM_TRANSLATOR_PLUGIN (default ``none``)
and HOMEROOM_TRANSLATOR_CONFIG build ``runtime.translator`` for the app and the worker; a bad one
stops start-up naming the variable and the field, never the value; ``homeroom plugins`` lists the
translator plugins with the key redacted. The processes run are the real CLI (``python -m
homeroom.cli``) and a real interpreter building the runtime as the app does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from peers.smtp_sink import free_port
from peers.translator import KEY

from channels.registry import PluginLoadError
from channels.translators.azure import AzureTranslator
from channels.translators.none import NoTranslator
from homeroom.runtime import build_translator
from homeroom.settings import load_settings

AZURE = json.dumps({"key": KEY, "region": "westeurope"})


def run_homeroom(tmp_path, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOMEROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'translator.db'}", "COLUMNS": "400"}
    env.pop("HOMEROOM_REDIS_URL", None)  # the embedded mode, unless a test sets one
    env.update(environment)
    return subprocess.run([sys.executable, "-m", "homeroom.cli", *arguments], env=env, capture_output=True,
                          text=True, timeout=120)


def test_trn01_the_offline_none_translator_is_the_default(runtime):
    assert load_settings().translator_plugin == "none"
    assert isinstance(runtime.translator, NoTranslator) and runtime.translator.translates is False


def test_trn01_the_runtime_builds_the_configured_azure_translator(tmp_path, translator_service):
    """A process building its runtime from the environment (as the API and each worker do) gets the
    configured plugin, which reaches the service."""
    script = ("from homeroom.runtime import build_runtime; from homeroom.settings import load_settings; "
              "translator = build_runtime(load_settings()).translator; "
              "print(type(translator).__name__, translator.translate(['Hello'], source='en', target='es', html=False))")
    env = {**os.environ, "HOMEROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'runtime.db'}",
           "HOMEROOM_TRANSLATOR_PLUGIN": "azure",
           "HOMEROOM_TRANSLATOR_CONFIG": json.dumps(translator_service.plugin_config())}
    env.pop("HOMEROOM_REDIS_URL", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "AzureTranslator ['[es] Hello']"
    assert translator_service.requests_per_language() == {"es": 1}


def test_the_config_is_left_out_of_the_settings_repr():
    settings = load_settings(translator_plugin="azure", translator_config=json.loads(AZURE))
    assert KEY not in repr(settings) and KEY not in str(settings)
    assert isinstance(build_translator(settings), AzureTranslator)


@pytest.mark.parametrize(("plugin", "config", "variable", "says"), [
    ("deepl", {}, "HOMEROOM_TRANSLATOR_PLUGIN", "translator plugin 'deepl' is not installed (installed: azure, none)"),
    ("azure", {"region": "westeurope"}, "HOMEROOM_TRANSLATOR_CONFIG", "plugin 'azure' config key: Field required"),
    ("azure", {"key": KEY, "endpoint": f"ftp://{KEY}@example.org"}, "HOMEROOM_TRANSLATOR_CONFIG",
     "plugin 'azure' config endpoint: Value error, must be an http(s) URL"),
    ("azure", {"key": KEY, "api_key": KEY}, "HOMEROOM_TRANSLATOR_CONFIG",
     "plugin 'azure' config api_key: Extra inputs are not permitted"),
    ("none", {"max_texts_per_request": 0}, "HOMEROOM_TRANSLATOR_CONFIG",
     "plugin 'none' config max_texts_per_request: Input should be greater than 0"),
])
def test_a_bad_translator_setting_stops_start_up_naming_the_variable_and_field(plugin, config, variable, says):
    with pytest.raises(PluginLoadError) as raised:
        build_translator(load_settings(translator_plugin=plugin, translator_config=config))
    assert str(raised.value).startswith(f"invalid setting {variable}: {says}")
    assert KEY not in str(raised.value)


def test_the_api_and_the_worker_refuse_to_start_with_a_bad_translator_config(tmp_path):
    bad_config = {"HOMEROOM_TRANSLATOR_PLUGIN": "azure",
                  "HOMEROOM_TRANSLATOR_CONFIG": json.dumps({"key": KEY, "region": "West Europe"})}
    serve = run_homeroom(tmp_path, "serve", "--host", "127.0.0.1", "--port", str(free_port()), **bad_config)
    assert serve.returncode == 1
    assert ("cannot start: invalid setting HOMEROOM_TRANSLATOR_CONFIG: plugin 'azure' config region: "
            "String should match pattern") in serve.stderr
    # The worker checks before it hands over to Dramatiq (so no Redis is reached).
    worker = run_homeroom(tmp_path, "worker", HOMEROOM_REDIS_URL="redis://127.0.0.1:9/0",
                          HOMEROOM_TRANSLATOR_PLUGIN="google")
    assert worker.returncode == 1
    assert "cannot start: invalid setting HOMEROOM_TRANSLATOR_PLUGIN: translator plugin 'google' is not installed" \
        in worker.stderr
    not_json = run_homeroom(tmp_path, "serve", "--port", str(free_port()), HOMEROOM_TRANSLATOR_CONFIG="{key: 1")
    assert not_json.returncode == 2
    assert "invalid setting HOMEROOM_TRANSLATOR_CONFIG: not valid JSON" in not_json.stderr
    for done in (serve, worker, not_json):
        assert KEY not in done.stdout + done.stderr


def test_homeroom_plugins_lists_the_translators_with_the_key_redacted(tmp_path):
    environment = {"HOMEROOM_TRANSLATOR_PLUGIN": "azure", "HOMEROOM_TRANSLATOR_CONFIG": AZURE}
    table = run_homeroom(tmp_path, "plugins", **environment)
    listed = run_homeroom(tmp_path, "plugins", "--json", **environment)
    assert table.returncode == listed.returncode == 0, table.stderr + listed.stderr
    assert KEY not in table.stdout + table.stderr + listed.stdout + listed.stderr
    rows = {(row["name"], tuple(row["serves"])): row for row in json.loads(listed.stdout)}
    azure = rows[("azure", ("translator",))]
    assert azure["configured_for"] == ["translator"] and azure["status"] == "valid"
    assert azure["config"]["key"] == "**********" and azure["config"]["region"] == "westeurope"
    assert azure["schema"]["key"] == "secret" and azure["config"]["max_texts_per_request"] == 1000
    none = rows[("none", ("translator",))]
    assert none["configured_for"] == [] and none["status"] == "not configured"
    assert "translator" in table.stdout

    default = json.loads(run_homeroom(tmp_path, "plugins", "--json").stdout)
    assert {row["name"]: row["status"] for row in default if row["serves"] == ["translator"]} == {
        "azure": "not configured", "none": "valid"}
