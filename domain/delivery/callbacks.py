"""A provider's webhook events, applied to the ledger: the statuses and answers it reports
(domain.inbound.webhook_events) and, in the same transaction, the open counters of the messages
whose deliveries those statuses settled (a callback can come before dispatch records the send's
outcome, which then finds the delivery moved and does not count it again)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session

from channels.base import ChannelKind, WebhookEvent
from domain.delivery.policy import settle
from domain.inbound.replies import ThreadFiler
from domain.inbound.webhook_events import Applied, apply_events
from domain.support.signed_ids import SigningKeys
from models.db import utcnow


def apply_provider_events(session: Session, kinds: Iterable[ChannelKind], events: Sequence[WebhookEvent],
                          keys: SigningKeys, *, filer: ThreadFiler | None = None) -> Applied:
    """Apply ``events`` (domain.inbound.webhook_events.apply_events) and settle what they settled."""
    applied = apply_events(session, kinds, events, keys, filer=filer)
    settle(session, applied.settled, utcnow())
    return applied
