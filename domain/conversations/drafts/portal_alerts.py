"""Portal alerts: notices on a user's portal until they have seen them (DRF-05: a draft was
assigned to you). Raising one also tells the user's inboxUpdates subscription (InboxChange.ALERT)."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlmodel import Session

from domain.support.keyset import KeysetList

from domain.conversations.threads.inbox_events import InboxChange, announce
from domain.delivery.progress_events import ProgressBus
from models.conversations import PortalAlert
from models.db import utcnow

TEXT_MAX_LENGTH = 300


class AlertKind(str, enum.Enum):
    DRAFT_ASSIGNED = "DRAFT_ASSIGNED"  # DRF-05


def raise_alert(session: Session, events: ProgressBus | None, *, user_id: int, kind: AlertKind, text: str,
                message_id: int | None = None) -> PortalAlert:
    """Store an unseen alert for ``user_id`` and announce it once the session commits."""
    alert = PortalAlert(user_id=user_id, kind=kind.value, message_id=message_id, text=text[:TEXT_MAX_LENGTH])
    session.add(alert)
    session.flush()
    announce(session, events, [user_id], InboxChange.ALERT, message_id=message_id)
    return alert


def alerts_list(user_id: int, *, unseen_only: bool) -> KeysetList:
    """The user's alerts, newest first."""
    where = [PortalAlert.user_id == user_id]
    if unseen_only:
        where.append(PortalAlert.seen_at.is_(None))
    return KeysetList(select(PortalAlert).where(*where), PortalAlert.id, newest_first=True)


def unseen_count(session: Session, user_id: int) -> int:
    return session.execute(select(func.count()).select_from(PortalAlert).where(
        PortalAlert.user_id == user_id, PortalAlert.seen_at.is_(None))).scalar_one()


def mark_seen(session: Session, events: ProgressBus | None, *, user_id: int, alert_ids: Iterable[int]) -> int:
    """Mark the user's own alerts among ``alert_ids`` seen (anyone else's are not found, silently);
    returns how many changed."""
    ids = sorted(set(alert_ids))
    if not ids:
        return 0
    changed = session.execute(update(PortalAlert).where(
        PortalAlert.user_id == user_id, PortalAlert.id.in_(ids), PortalAlert.seen_at.is_(None))
        .values(seen_at=utcnow())).rowcount
    if changed:
        announce(session, events, [user_id], InboxChange.ALERT)
    return changed
