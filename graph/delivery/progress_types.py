"""What messageProgress streams (MessageProgress) and the ways a follower's access can end."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from graph.messages.types import DeliveryStatusCount, MessageStatus
from models import messaging as db
from graph.pagination import node_id

OPEN_STATUSES = frozenset(s.value for s in db.OPEN_DELIVERY_STATUSES)


@strawberry.type(description="A message's progress: its status and its deliveries per status.")
class MessageProgress:
    message_id: strawberry.ID = strawberry.field(description="The message followed (Message.id).")
    status: MessageStatus = strawberry.field(description="The message's status; the stream ends after COMPLETED.")
    total: int = strawberry.field(description="Every delivery of the message so far, whatever its status.")
    open: int = strawberry.field(description="Deliveries that may still change (planned, deferred, queued, sending).")
    counts: list[DeliveryStatusCount] = strawberry.field(
        description="Deliveries per status, the largest count first; a status with none is left out.")

    @classmethod
    def of(cls, message_id: int, status: str, rows: Iterable[tuple[str, int]]) -> MessageProgress:
        """From the message's status and its (delivery status, count) rows."""
        rows = list(rows)
        return cls(message_id=node_id(Kind.MESSAGE, message_id), status=db.MessageStatus(status),
                   total=sum(c for _, c in rows), open=sum(c for s, c in rows if s in OPEN_STATUSES),
                   counts=[DeliveryStatusCount(status=db.DeliveryStatus(s), count=c)
                           for s, c in sorted(rows, key=lambda row: (-row[1], row[0]))])

    def key(self) -> tuple:
        """What a subscriber is told again only when it changes."""
        return self.status, tuple((c.status, c.count) for c in self.counts)


class AccessEnded(enum.Enum):
    ACCOUNT_INACTIVE = "the account is no longer active"
    MESSAGE_HIDDEN = "the message is not visible to the viewer"


#: What a follower is told: the counts, or why it may follow no more (a FORBIDDEN error when a
#: permission went away).
Snapshot = MessageProgress | AccessEnded | GraphQLError
