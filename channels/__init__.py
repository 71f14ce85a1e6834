"""The channel plugin contract, the stevedore registry and the built-in plugins."""

from channels.base import (  # noqa: F401
    Capabilities,
    ChannelKind,
    ChannelPlugin,
    EmailEnvelope,
    Envelope,
    Outcome,
    PermanentFailure,
    PluginConfig,
    PushEnvelope,
    Retryable,
    Sent,
    SmsEnvelope,
    VoiceEnvelope,
)
