"""messageProgress: a message's delivery counts and status, streamed live over WebSocket
(graphql-transport-ws) to partners, until the message completes."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator

import anyio
import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select
from sqlmodel import Session

from domain.support.errors import AuthenticationError
from domain.access.permissions import Perm
from domain.reports.communication_report import readable_deliveries, visible_message
from domain.access.viewer import load_viewer
from graph.context import Info
from graph.messages.types import DeliveryStatusCount, MessageStatus
from graph.pagination import parse_id
from graph.permissions import require, requires
from graph.thread_limits import subscription_read_threads
from models import messaging as db

#: What subscribing needs; checked again at each read, with the rest of the viewer's access.
REQUIRED = (Perm.COMMUNICATION,)
#: Counts are re-read at most this often while notices pour in, and at least this often without.
COALESCE_SECONDS = 0.2
FALLBACK_POLL_SECONDS = 2.0


@strawberry.type(description="A message's progress: its status and its deliveries per status.")
class MessageProgress:
    message_id: strawberry.ID
    status: MessageStatus
    total: int
    open: int = strawberry.field(description="Deliveries that may still change (planned, deferred, queued, sending).")
    counts: list[DeliveryStatusCount]


def _snapshot(session: Session, message_id: int, scope: tuple = ()) -> MessageProgress:
    """The message's status and its delivery counts within ``scope`` (domain.reports.communication_report.readable_deliveries)."""
    status = session.execute(select(db.Message.status).where(db.Message.id == message_id)).scalar_one()
    rows = session.execute(select(db.Delivery.status, func.count())
                           .where(db.Delivery.message_id == message_id, *scope)
                           .group_by(db.Delivery.status)).all()
    open_statuses = {s.value for s in db.OPEN_DELIVERY_STATUSES}
    return MessageProgress(
        message_id=strawberry.ID(str(message_id)), status=db.MessageStatus(status), total=sum(c for _, c in rows),
        open=sum(c for s, c in rows if s in open_statuses),
        counts=[DeliveryStatusCount(status=db.DeliveryStatus(s), count=c)
                for s, c in sorted(rows, key=lambda row: (-row[1], row[0]))])


class _AccessEnded(enum.Enum):
    ACCOUNT_INACTIVE = "the account is no longer active"
    MESSAGE_HIDDEN = "the message is not visible to the viewer"


def _read(engine, user_id: int, message_id: int) -> MessageProgress | _AccessEnded:
    """One read, on a session closed before the next event: access is checked again each time
    (the account is active, still has REQUIRED, and may see the message as message(id) decides),
    then the counts of the deliveries it may read."""
    with Session(engine) as session:
        try:
            viewer = load_viewer(session, user_id)
        except AuthenticationError:
            return _AccessEnded.ACCOUNT_INACTIVE
        require(viewer, *REQUIRED)  # FORBIDDEN
        message = visible_message(session, viewer, message_id)
        if message is None:
            return _AccessEnded.MESSAGE_HIDDEN
        return _snapshot(session, message_id, readable_deliveries(viewer, message.sender_id))


def _key(progress: MessageProgress) -> tuple:
    return progress.status, tuple((c.status, c.count) for c in progress.counts)


@strawberry.type
class ProgressSubscriptions:
    @strawberry.subscription(**requires(
        "Live progress of a message the viewer may read (as message(id)): the current counts at once, then "
        "each change, ending after the message completes. The token goes in the connection_init payload; "
        "access is checked again at each change, and the connection closes (4403) when the token expires "
        "or the account is deactivated.",
        *REQUIRED))
    async def message_progress(self, info: Info, message_id: strawberry.ID) -> AsyncGenerator[MessageProgress, None]:
        context = info.context
        user_id, wanted = context.viewer.id, parse_id(message_id)
        async with context.events.subscribe(wanted) as notices:
            last = None
            while last is None or last.status is not db.MessageStatus.COMPLETED:
                if last is not None:
                    try:
                        await asyncio.wait_for(notices.get(), timeout=FALLBACK_POLL_SECONDS)
                        await asyncio.sleep(COALESCE_SECONDS)  # let a burst of notices settle into one read
                        while not notices.empty():
                            notices.get_nowait()
                    except TimeoutError:
                        pass
                current = await anyio.to_thread.run_sync(_read, context.engine, user_id, wanted,
                                                         limiter=subscription_read_threads())
                if current is _AccessEnded.ACCOUNT_INACTIVE:
                    await context.revoke_access(current.value)
                    return
                if current is _AccessEnded.MESSAGE_HIDDEN:
                    raise GraphQLError(f"message {wanted} not found", extensions={"code": "NOT_FOUND"})
                if last is None or _key(current) != _key(last):
                    yield current
                last = current
