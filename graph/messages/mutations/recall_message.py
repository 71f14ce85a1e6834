"""recallMessage: cancel what of one of your messages is not yet with a provider, and wait for
what is (domain.messages.recall)."""

from __future__ import annotations

import strawberry
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain.access.permissions import Perm
from domain.delivery import progress_events
from domain.messages.recall import recall_message as recall
from domain.messages.send import MessageNotFound
from graph.context import Info
from graph.messages.types import Message
from graph.pagination import parse_id
from graph.permissions import requires
from models import messaging as db


@strawberry.type(description="A recalled message: what will never be sent, and what already was.")
class RecallMessageResult:
    message: Message | None
    cancelled: int = strawberry.field(description="Deliveries that will never be sent.")
    sent_before: int = strawberry.field(description="Deliveries sent before the recall.")
    still_in_flight: int = strawberry.field(
        description="Deliveries still with a provider when the call gave up waiting (normally 0).")


def _load_message(engine, message_id: int) -> db.Message:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(db.Message, message_id)


@strawberry.type
class RecallMessageMutation:
    @strawberry.mutation(**requires(
        "Recall one of your messages that is scheduled, queued or being sent: every delivery not yet handed to a "
        "provider is CANCELLED, and the call returns once the batches already with a provider are done, so "
        "nothing is sent after it returns. Null message when not found.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    async def recall_message(self, info: Info, id: strawberry.ID) -> RecallMessageResult:
        try:
            recalled = await run_in_threadpool(recall, info.context.engine, info.context.viewer, parse_id(id))
        except MessageNotFound:
            return RecallMessageResult(message=None, cancelled=0, sent_before=0, still_in_flight=0)
        await run_in_threadpool(progress_events.publish, info.context.events, [recalled.message_id])  # Redis, off the loop
        row = await run_in_threadpool(_load_message, info.context.engine, recalled.message_id)
        return RecallMessageResult(message=Message.from_row(row), cancelled=recalled.cancelled,
                                   sent_before=recalled.sent_before, still_in_flight=recalled.still_in_flight)
