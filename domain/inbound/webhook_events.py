"""Applying what a channel plugin's webhook reported: delivery statuses and inbound messages.

The plugin has verified the provider's request and parsed it into events (channels.base); this
module applies them, touching only deliveries on the channels that plugin serves.

Status callbacks move a delivery forward, never back: SENDING → SENT, and SENDING or SENT →
DELIVERED or FAILED. A duplicate or late callback (a "sent" after "delivered") changes nothing, so
the final state is right in whatever order callbacks arrive. The count of a message's open
deliveries is dispatch's alone: dispatch settles a delivery it sent whatever status the callback
left on it.

An inbound message is an answer when the provider names the delivery it answers, or else when
the channel sent something to that address before: the latest such delivery. It is filed in
that conversation under the rules of domain.inbound.replies.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from channels.base import ChannelKind, InboundEvent, StatusEvent, WebhookEvent
from domain.support.channel_kinds import CHANNEL_KIND
from domain.directory.contact_details import BadContactDetail, normalised_email, normalised_phone
from domain.inbound.optouts import record_opt_out, remove_opt_out
from domain.inbound.replies import FILED, ThreadFiler, file_reply
from domain.inbound.sms_keywords import Keyword, help_text, keyword_of
from domain.inbound.reply_tokens import delivery_of
from domain.support.signed_ids import SigningKeys
from models.db import utcnow
from models.directory import District
from models.messaging import OPEN_DELIVERY_STATUSES, Channel, Delivery, DeliveryStatus as DS, Message

#: The provider's word → the ledger's status, and the statuses it may follow.
STATUS_MOVES: dict[str, tuple[DS, tuple[DS, ...]]] = {
    "SENT": (DS.SENT, (DS.SENDING,)),
    "DELIVERED": (DS.DELIVERED, (DS.SENDING, DS.SENT)),
    "FAILED": (DS.FAILED, (DS.SENDING, DS.SENT)),
    "UNDELIVERED": (DS.FAILED, (DS.SENDING, DS.SENT)),
}
#: Statuses an answer may follow: the delivery reached the provider.
ANSWERABLE = (DS.SENT.value, DS.DELIVERED.value)


@dataclasses.dataclass
class Applied:
    statuses: int = 0  # deliveries whose status moved
    #: Per message, the deliveries a status moved out of an open status (SENDING): the caller lowers
    #: the message's open counter by them (domain.delivery.callbacks does, in the same transaction).
    settled: Counter = dataclasses.field(default_factory=Counter)
    replies: int = 0  # inbound messages filed in a conversation
    ignored: int = 0  # duplicates, stale or unknown references, unmatched or refused messages
    keywords: int = 0  # SMS opt-outs, opt-ins and HELP (STOP, START …)
    reply_text: str | None = None  # what to answer the sender at once (HELP)
    message_ids: set[int] = dataclasses.field(default_factory=set)


def _reference(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def apply_events(session: Session, kinds: Iterable[ChannelKind], events: Sequence[WebhookEvent],
                 keys: SigningKeys, *, filer: ThreadFiler | None = None) -> Applied:
    """Apply a plugin's parsed events; ``keys`` read the signed reply addresses an answer may name,
    ``filer`` files an account holder's answer in their thread (domain.inbound.replies)."""
    served = set(kinds)
    channels = [channel.value for channel, kind in CHANNEL_KIND.items() if kind in served]
    applied = Applied()
    for event in events:
        if isinstance(event, StatusEvent):
            _apply_status(session, channels, event, applied)
        elif isinstance(event, InboundEvent):
            _apply_inbound(session, channels, event, applied, keys, filer)
        else:
            applied.ignored += 1
    return applied


def _apply_status(session: Session, channels: list[str], event: StatusEvent, applied: Applied) -> None:
    move, delivery_id = STATUS_MOVES.get(event.status.upper()), _reference(event.reference)
    if move is None or delivery_id is None:
        applied.ignored += 1
        return
    status, after = move
    values = {"status": status.value, "updated_at": utcnow()}
    if status is DS.FAILED:
        values.update(error_code=(event.code or event.status.upper())[:60], reason=(event.detail or "")[:300] or None)
    elif status is DS.DELIVERED and event.detail:  # e.g. a call left on voicemail
        values["reason"] = event.detail[:300]
    def move(before: list[DS]):
        return session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.channel.in_(channels),
                                   Delivery.status.in_([s.value for s in before]))
            .values(**values).returning(Delivery.message_id)).first() if before else None

    # From SENDING the delivery settles here (the outcome dispatch records later finds it moved
    # and does not count it again); from SENT it had settled already.
    moved = move([s for s in after if s in OPEN_DELIVERY_STATUSES])
    if moved is not None:
        applied.settled[moved.message_id] += 1
    else:
        moved = move([s for s in after if s not in OPEN_DELIVERY_STATUSES])
    if moved is None:
        applied.ignored += 1
        return
    applied.statuses += 1
    applied.message_ids.add(moved.message_id)


def _answered_delivery(session: Session, channels: list[str], event: InboundEvent,
                       keys: SigningKeys) -> Delivery | None:
    named = _reference(event.in_reply_to) or (delivery_of(event.in_reply_to, keys) if event.in_reply_to else None)
    if named is not None:
        return session.execute(select(Delivery).where(Delivery.id == named, Delivery.channel.in_(channels),
                                                      Delivery.status.in_(ANSWERABLE))).scalars().first()
    address = _address_key(channels, event.from_address)
    if address is None:
        return None
    # Phones are stored in E.164 and found through ix_delivery_phone_address; other addresses
    # (rare: email answers carry reply tokens) are compared without case.
    same_address = (Delivery.address == address if address.startswith("+")
                    else func.lower(Delivery.address) == address)
    # The channels are written into the statement so PostgreSQL can prove the partial index applies.
    on_channels = Delivery.channel.in_(bindparam("answer_channels", channels, expanding=True, literal_execute=True))
    return session.execute(
        select(Delivery).where(on_channels, same_address, Delivery.status.in_(ANSWERABLE))
        .order_by(Delivery.id.desc()).limit(1)).scalars().first()


def _address_key(channels: list[str], address: str) -> str | None:
    """The address as the ledger holds it: E.164 for phones, lower case for email."""
    readers = [normalised_phone] if Channel.SMS.value in channels or Channel.VOICE.value in channels else []
    if Channel.EMAIL.value in channels:
        readers.append(normalised_email)
    for read in readers:
        try:
            return read(address).lower()
        except BadContactDetail:
            continue
    return address.strip().lower() or None


def _apply_inbound(session: Session, channels: list[str], event: InboundEvent, applied: Applied,
                   keys: SigningKeys, filer: ThreadFiler | None) -> None:
    text = (event.text or "").strip()
    if Channel.SMS.value in channels and _sms_keyword(session, event, applied):
        applied.keywords += 1
        return
    delivery = _answered_delivery(session, channels, event, keys)
    if delivery is None or not text:
        applied.ignored += 1
        return
    original = session.get(Message, delivery.message_id)
    outcome, _ = file_reply(session, delivery, original, from_address=event.from_address, text=text,
                            external_id=event.external_id, filer=filer,
                            source="SMS" if delivery.channel == Channel.SMS.value else "WEBHOOK")
    if outcome == FILED:
        applied.replies += 1
        applied.message_ids.add(original.id)
    else:
        applied.ignored += 1


def _sms_keyword(session: Session, event: InboundEvent, applied: Applied) -> bool:
    """STOP and its synonyms opt the number out of SMS; START, UNSTOP and YES opt it back in; HELP
    is answered with the district's help text."""
    keyword = keyword_of(event.text or "")
    if keyword is None:
        return False
    if keyword is Keyword.HELP:
        applied.reply_text = help_text(session.execute(select(District).limit(1)).scalars().one())
        return True
    try:
        number = normalised_phone(event.from_address)
    except BadContactDetail:
        return False
    if keyword is Keyword.OPT_OUT:
        record_opt_out(session, Channel.SMS, number, source=f"SMS {' '.join(event.text.split()).upper()}")
    else:
        remove_opt_out(session, Channel.SMS, number)
    return True
