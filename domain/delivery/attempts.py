"""A delivery's attempt history (one row per provider call, DESIGN "The delivery ledger"): read for a
page of deliveries in one statement, and the closed outcome each row stands for (issue 17 point 3)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from channels.base import PermanentFailure, Retryable, Sent
from models.messaging import DeliveryAttempt

#: What a provider call came to: the three kinds of plugin outcome (channels.base.Outcome).
SENT, RETRYABLE, PERMANENT_FAILURE = "SENT", "RETRYABLE", "PERMANENT_FAILURE"
_KINDS = ((Sent, SENT), (Retryable, RETRYABLE), (PermanentFailure, PERMANENT_FAILURE))


@dataclasses.dataclass(frozen=True)
class Attempt:
    delivery_id: int
    plugin: str
    outcome: str  # SENT, RETRYABLE or PERMANENT_FAILURE
    provider_message_id: str | None
    code: str | None
    detail: str | None
    started_at: dt.datetime
    finished_at: dt.datetime


def outcome_kind(class_name: str, code: str | None) -> str:
    """The kind of outcome an attempt row records by class name (a plugin may subclass Sent): its
    base class's kind; a class this process does not know is SENT without a code, else a failure."""
    for base, kind in _KINDS:
        if class_name in {base.__name__, *(sub.__name__ for sub in _subclasses(base))}:
            return kind
    return SENT if code is None else PERMANENT_FAILURE


def _subclasses(base: type) -> list[type]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def attempts_by_delivery(session: Session, delivery_ids: Iterable[int]) -> dict[int, list[Attempt]]:
    """The attempts of each delivery, oldest first: one statement for the whole set."""
    ids = list(dict.fromkeys(delivery_ids))
    found: dict[int, list[Attempt]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids))
                           .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.id)).scalars()
    for row in rows:
        found[row.delivery_id].append(Attempt(
            delivery_id=row.delivery_id, plugin=row.plugin, outcome=outcome_kind(row.outcome, row.code),
            provider_message_id=row.provider_id, code=row.code, detail=row.detail, started_at=row.started_at,
            finished_at=row.finished_at))
    return found
