"""messageProgress: a message's delivery counts and status, streamed live over WebSocket
(graphql-transport-ws) to partners, until the message completes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain import progress_events
from domain.permissions import Perm
from domain.reports import readable_deliveries, visible_message
from graph.context import Info
from graph.messages.types import DeliveryStatusCount, MessageStatus
from graph.pagination import parse_id
from graph.permissions import requires
from models import messaging as db

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


def _snapshot(engine, message_id: int, scope: tuple = ()) -> MessageProgress:
    """The message's status and its delivery counts within ``scope`` (domain.reports.readable_deliveries)."""
    with Session(engine) as session:
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


def _key(progress: MessageProgress) -> tuple:
    return progress.status, tuple((c.status, c.count) for c in progress.counts)


@strawberry.type
class ProgressSubscriptions:
    @strawberry.subscription(**requires(
        "Live progress of a message the viewer may read (as message(id)): the current counts at once, then "
        "each change, ending after the message completes. The token goes in the connection_init payload.",
        Perm.COMMUNICATION))
    async def message_progress(self, info: Info, message_id: strawberry.ID) -> AsyncGenerator[MessageProgress, None]:
        viewer, engine = info.context.viewer, info.context.engine
        wanted = parse_id(message_id, "messageId")

        def readable() -> tuple | None:
            """The delivery scope the viewer reads the message with, or None when not found."""
            with Session(engine) as session:
                message = visible_message(session, viewer, wanted)
                return None if message is None else readable_deliveries(viewer, message.sender_id)

        scope = await run_in_threadpool(readable)
        if scope is None:
            raise GraphQLError(f"message {wanted} not found", extensions={"code": "NOT_FOUND"})
        async with progress_events.bus().subscribe(wanted) as notices:
            last = await run_in_threadpool(_snapshot, engine, wanted, scope)
            yield last
            while last.status is not db.MessageStatus.COMPLETED:
                try:
                    await asyncio.wait_for(notices.get(), timeout=FALLBACK_POLL_SECONDS)
                    await asyncio.sleep(COALESCE_SECONDS)  # let a burst of notices settle into one read
                    while not notices.empty():
                        notices.get_nowait()
                except asyncio.TimeoutError:
                    pass
                current = await run_in_threadpool(_snapshot, engine, wanted, scope)
                if _key(current) != _key(last):
                    yield current
                last = current
