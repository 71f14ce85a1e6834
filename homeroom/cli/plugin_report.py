"""What ``homeroom plugins`` shows: each plugin, what it serves, and its redacted config."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr, ValidationError

from channels.assistants.loading import discover_assistants
from channels.registry import DiscoveredPlugin, describe_config_error, discover
from channels.translators.loading import discover_translators


def _schema_fields(plugin_class) -> dict[str, str]:
    fields = {}
    for name, info in plugin_class.Config.model_fields.items():
        secret = info.annotation is SecretStr or "SecretStr" in str(info.annotation)
        fields[name] = "secret" if secret else getattr(info.annotation, "__name__", str(info.annotation))
    return fields


def plugin_report(channel_plugins: Mapping[str, str], plugin_config: Mapping[str, Mapping[str, Any]],
                  defaulted_channels: Iterable[str] = (), assistant_plugin: str | None = None,
                  assistant_config: Mapping[str, Any] | None = None, translator_plugin: str | None = "none",
                  translator_config: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """``channel_plugins`` and ``plugin_config`` as the settings hold them; ``defaulted_channels``
    those HOMEROOM_CHANNEL_PLUGINS does not name; then the writing-assistant plugins, with the
    configured one's redacted config (HOMEROOM_ASSISTANT_PLUGIN, HOMEROOM_ASSISTANT_CONFIG); then the
    translator plugins, likewise (HOMEROOM_TRANSLATOR_PLUGIN, HOMEROOM_TRANSLATOR_CONFIG)."""
    rows = []
    for plugin in discover():
        configured_for = sorted(kind for kind, name in channel_plugins.items() if name == plugin.name)
        # The channels it serves only because HOMEROOM_CHANNEL_PLUGINS does not name them.
        defaulted_for = sorted(set(configured_for) & set(defaulted_channels))
        row: dict[str, Any] = {"name": plugin.name, "configured_for": configured_for,
                               "defaulted_for": defaulted_for, "serves": [], "schema": {}, "config": {}}
        if plugin.plugin_class is None:
            row["status"] = f"failed to load: {plugin.load_error}"
        else:
            row["serves"] = sorted(kind.value for kind in plugin.plugin_class.kinds)
            row["schema"] = _schema_fields(plugin.plugin_class)
            try:
                config = plugin.plugin_class.Config.model_validate(plugin_config.get(plugin.name, {}))
                row["status"] = "valid"
                row["config"] = config.redacted()
            except ValidationError as error:
                row["status"] = "invalid: " + describe_config_error(plugin.name, error)
        rows.append(row)
    return (rows + assistant_report(assistant_plugin, assistant_config or {})
            + translator_report(translator_plugin, translator_config or {}))


def assistant_report(assistant_plugin: str | None, assistant_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per ``homeroom.assistants`` plugin; only the configured one's config is validated and shown."""
    return _one_configured_plugin(discover_assistants(), "assistant", assistant_plugin, assistant_config)


def translator_report(translator_plugin: str | None, translator_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per ``homeroom.translators`` plugin; only the configured one's config is validated and shown."""
    return _one_configured_plugin(discover_translators(), "translator", translator_plugin, translator_config)


def _one_configured_plugin(discovered: Iterable[DiscoveredPlugin], serves: str, configured_name: str | None,
                           raw_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of a plugin kind of which one plugin is configured (an assistant, a translator)."""
    rows = []
    for plugin in discovered:
        configured = plugin.name == configured_name
        row: dict[str, Any] = {"name": plugin.name, "configured_for": [serves] if configured else [],
                               "defaulted_for": [], "serves": [serves], "schema": {}, "config": {}}
        if plugin.plugin_class is None:
            row["status"] = f"failed to load: {plugin.load_error}"
        else:
            row["schema"] = _schema_fields(plugin.plugin_class)
            row["status"] = "not configured"
            if configured:
                try:
                    row["config"] = plugin.plugin_class.Config.model_validate(dict(raw_config)).redacted()
                    row["status"] = "valid"
                except ValidationError as error:
                    row["status"] = "invalid: " + describe_config_error(plugin.name, error)
        rows.append(row)
    return rows
