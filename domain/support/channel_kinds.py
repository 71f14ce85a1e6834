"""Which kind of channel plugin serves each ledger channel: dispatch groups claimed deliveries by it,
recovery asks the right plugins, and provider webhooks find the deliveries a plugin may update."""

from __future__ import annotations

from channels.base import ChannelKind
from models.messaging import Channel

CHANNEL_KIND = {
    Channel.EMAIL: ChannelKind.EMAIL,
    Channel.SMS: ChannelKind.SMS,
    Channel.VOICE: ChannelKind.VOICE,
    Channel.PUSH: ChannelKind.PUSH,
}
