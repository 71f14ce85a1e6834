"""Opt-outs recorded by channels (an SMS STOP, a one-click unsubscribe, a hard bounce)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from models.messaging import Channel, ChannelOptOut


def normalise_address(channel: Channel, address: str) -> str:
    address = address.strip()
    return address.lower() if channel is Channel.EMAIL else address


def record_opt_out(session: Session, channel: Channel, address: str, *, source: str) -> bool:
    """Remember that ``address`` wants nothing more on ``channel``; False when already known.
    Resolution (domain.recipients.resolution) and dispatch (domain.delivery.dispatch.claim) both honour it."""
    address = normalise_address(channel, address)
    known = session.execute(select(ChannelOptOut).where(
        ChannelOptOut.channel == channel.value, ChannelOptOut.address == address)).scalars().first()
    if known is not None:
        return False
    session.add(ChannelOptOut(channel=channel, address=address, source=source))
    session.flush()
    return True


def remove_opt_out(session: Session, channel: Channel, address: str) -> bool:
    """The address subscribes again (an SMS START); False when it had not opted out."""
    from sqlalchemy import delete

    return bool(session.execute(delete(ChannelOptOut).where(
        ChannelOptOut.channel == channel.value,
        ChannelOptOut.address == normalise_address(channel, address))).rowcount)
