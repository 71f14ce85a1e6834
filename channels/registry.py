"""Discovers channel plugins through stevedore (namespace ``homeroom.channels``) and builds the
configured ones from validated settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from stevedore import ExtensionManager

from channels.base import ChannelKind, ChannelPlugin

NAMESPACE = "homeroom.channels"


class PluginLoadError(RuntimeError):
    """A configured plugin is missing, broken or misconfigured; start-up must stop."""


@dataclasses.dataclass(frozen=True)
class DiscoveredPlugin:
    name: str
    plugin_class: type[ChannelPlugin] | None
    load_error: str | None
    module: str


def discover(manager: ExtensionManager | None = None) -> list[DiscoveredPlugin]:
    """Every plugin installed in the namespace, including those that fail to import."""
    failures: dict[str, str] = {}

    def on_failure(_manager, entry_point, error):
        failures[entry_point.name] = f"{type(error).__name__}: {error}"

    manager = manager or ExtensionManager(
        NAMESPACE, invoke_on_load=False, on_load_failure_callback=on_failure
    )
    found = [
        DiscoveredPlugin(ext.name, ext.plugin, None, getattr(ext.entry_point, "value", ""))
        for ext in manager
        if isinstance(ext.plugin, type) and issubclass(ext.plugin, ChannelPlugin)
    ]
    found += [
        DiscoveredPlugin(ext.name, None, f"{ext.plugin!r} is not a ChannelPlugin subclass", "")
        for ext in manager
        if not (isinstance(ext.plugin, type) and issubclass(ext.plugin, ChannelPlugin))
    ]
    found += [DiscoveredPlugin(name, None, error, "") for name, error in failures.items()]
    return sorted(found, key=lambda plugin: plugin.name)


def describe_config_error(name: str, error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "config"
    return f"plugin {name!r} config {where}: {first['msg']}"


def build_plugin(plugin_class: type[ChannelPlugin], name: str, raw: Mapping[str, Any]) -> ChannelPlugin:
    try:
        return plugin_class.from_mapping(dict(raw))
    except ValidationError as error:
        # Pydantic errors may echo input values; report the field and the rule only.
        raise PluginLoadError(describe_config_error(name, error)) from None


class ChannelRegistry:
    """The plugins serving each channel kind, built once at start-up from settings."""

    def __init__(self, plugins_by_kind: Mapping[ChannelKind, ChannelPlugin]):
        self._by_kind = dict(plugins_by_kind)

    @classmethod
    def from_settings(
        cls,
        channel_plugins: Mapping[str, str],
        plugin_config: Mapping[str, Mapping[str, Any]],
        discovered: list[DiscoveredPlugin] | None = None,
    ) -> ChannelRegistry:
        available = {plugin.name: plugin for plugin in (discovered or discover())}
        built: dict[str, ChannelPlugin] = {}
        by_kind: dict[ChannelKind, ChannelPlugin] = {}
        for kind_name, plugin_name in channel_plugins.items():
            kind = ChannelKind(kind_name)
            plugin = available.get(plugin_name)
            if plugin is None:
                raise PluginLoadError(
                    f"channel {kind.value!r} is set to plugin {plugin_name!r}, which is not installed "
                    f"(installed: {', '.join(sorted(available)) or 'none'})"
                )
            if plugin.plugin_class is None:
                raise PluginLoadError(f"plugin {plugin_name!r} failed to load: {plugin.load_error}")
            if kind not in plugin.plugin_class.kinds:
                raise PluginLoadError(f"plugin {plugin_name!r} does not serve the {kind.value} channel")
            if plugin_name not in built:
                built[plugin_name] = build_plugin(
                    plugin.plugin_class, plugin_name, plugin_config.get(plugin_name, {})
                )
            by_kind[kind] = built[plugin_name]
        return cls(by_kind)

    def for_kind(self, kind: ChannelKind) -> ChannelPlugin | None:
        return self._by_kind.get(kind)

    def kinds(self) -> list[ChannelKind]:
        return sorted(self._by_kind, key=lambda kind: kind.value)


def discover_plugin_classes(namespace: str, base: type, manager: ExtensionManager | None = None
                            ) -> list[DiscoveredPlugin]:
    """Every plugin of ``namespace`` installed, each a subclass of ``base``, including those that
    fail to import or are not one (with the reason): what the assistant and translator kinds share."""
    failures: dict[str, str] = {}

    def on_failure(_manager, entry_point, error):
        failures[entry_point.name] = f"{type(error).__name__}: {error}"

    manager = manager or ExtensionManager(namespace, invoke_on_load=False, on_load_failure_callback=on_failure)
    found = []
    for ext in manager:
        if isinstance(ext.plugin, type) and issubclass(ext.plugin, base):
            found.append(DiscoveredPlugin(ext.name, ext.plugin, None, getattr(ext.entry_point, "value", "")))
        else:
            found.append(DiscoveredPlugin(ext.name, None, f"{ext.plugin!r} is not a subclass of {base.__name__}", ""))
    found += [DiscoveredPlugin(name, None, error, "") for name, error in failures.items()]
    return sorted(found, key=lambda plugin: plugin.name)
