"""Finds translator plugins through stevedore (namespace ``homeroom.translators``) and builds the
configured one from validated settings, as channels.registry does for channels (TRN-01)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ValidationError
from stevedore import ExtensionManager

from channels.registry import DiscoveredPlugin, discover_plugin_classes, PluginLoadError, describe_config_error
from channels.translators.base import TranslatorPlugin

NAMESPACE = "homeroom.translators"


class TranslatorLoadError(PluginLoadError):
    """The configured translator cannot be built; ``setting`` says which of the two settings is
    wrong (the plugin's name, or its config), so start-up can name the variable."""

    def __init__(self, message: str, *, setting: Literal["plugin", "config"]):
        super().__init__(message)
        self.setting = setting


def discover_translators(manager: ExtensionManager | None = None) -> list[DiscoveredPlugin]:
    """Every translator plugin installed, including those that fail to import."""
    return discover_plugin_classes(NAMESPACE, TranslatorPlugin, manager)


def load_translator_plugin(name: str, raw: Mapping[str, Any],
                           discovered: list[DiscoveredPlugin] | None = None) -> TranslatorPlugin:
    """The configured translator plugin; TranslatorLoadError (start-up stops) when it is missing,
    broken or misconfigured. The message names the config field and rule, never its value."""
    available = {plugin.name: plugin for plugin in (discovered or discover_translators())}
    plugin = available.get(name)
    if plugin is None:
        raise TranslatorLoadError(f"translator plugin {name!r} is not installed "
                                  f"(installed: {', '.join(sorted(available)) or 'none'})", setting="plugin")
    if plugin.plugin_class is None:
        raise TranslatorLoadError(f"translator plugin {name!r} failed to load: {plugin.load_error}", setting="plugin")
    try:
        return plugin.plugin_class.from_mapping(dict(raw))
    except ValidationError as error:
        raise TranslatorLoadError(describe_config_error(name, error), setting="config") from None
