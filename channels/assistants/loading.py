"""Finds assistant plugins through stevedore (namespace ``homeroom.assistants``) and builds the
configured one from validated settings, as channels.registry does for channels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from stevedore import ExtensionManager

from channels.assistants.base import AssistantPlugin
from channels.registry import DiscoveredPlugin, discover_plugin_classes, PluginLoadError, describe_config_error

NAMESPACE = "homeroom.assistants"


def discover_assistants(manager: ExtensionManager | None = None) -> list[DiscoveredPlugin]:
    """Every assistant plugin installed, including those that fail to import."""
    return discover_plugin_classes(NAMESPACE, AssistantPlugin, manager)


def load_assistant_plugin(name: str, raw: Mapping[str, Any],
                          discovered: list[DiscoveredPlugin] | None = None) -> AssistantPlugin:
    """The configured assistant plugin; PluginLoadError (start-up stops) when it is missing,
    broken or misconfigured. The message names the config field and rule, never its value."""
    available = {plugin.name: plugin for plugin in (discovered or discover_assistants())}
    plugin = available.get(name)
    if plugin is None:
        raise PluginLoadError(f"assistant plugin {name!r} is not installed "
                              f"(installed: {', '.join(sorted(available)) or 'none'})")
    if plugin.plugin_class is None:
        raise PluginLoadError(f"assistant plugin {name!r} failed to load: {plugin.load_error}")
    try:
        return plugin.plugin_class.from_mapping(dict(raw))
    except ValidationError as error:
        raise PluginLoadError(describe_config_error(name, error)) from None
