"""Per-process resources the actors share: the engine and the channel registry."""

from __future__ import annotations

import functools

from channels.registry import ChannelRegistry
from homeroom.settings import get_settings


@functools.lru_cache(maxsize=1)
def channel_registry() -> ChannelRegistry:
    settings = get_settings()
    return ChannelRegistry.from_settings(settings.channel_plugins, settings.plugin_config)


def reset() -> None:
    channel_registry.cache_clear()
