"""recallMessage: cancel what of one of your messages is not yet with a provider, and wait for
what is (domain.messages.recall)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.delivery import progress_events
from domain.messages.recall import recall_message as recall
from domain.messages.send import MessageNotFound
from graph.context import Info
from graph.errors import field_errors
from graph.messages.message import Message
from graph.pagination import parse_id
from graph.permissions import requires
from models import messaging as db

RecallMessageErrors = field_errors("RecallMessage", ("NOT_FOUND",))


@strawberry.type(description="A recalled message: what will never be sent, and what already was.")
class RecallMessageSuccess:
    message: Message = strawberry.field(description="The message, now CANCELLED.")
    cancelled: int = strawberry.field(description="Deliveries that will never be sent.")
    sent_before: int = strawberry.field(description="Deliveries sent before the recall.")
    still_in_flight: int = strawberry.field(
        description="Deliveries still with a provider when the call gave up waiting (normally 0).")


RecallMessageResult = Annotated[RecallMessageSuccess | RecallMessageErrors, strawberry.union("RecallMessageResult", description=(
    "What recallMessage answers: what was cancelled and what was already sent, or NOT_FOUND."))]
NOT_FOUND_MESSAGE = "No message of yours that is scheduled, queued or being sent has that id."


def _load_message(engine, message_id: int) -> db.Message:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(db.Message, message_id)


@strawberry.type
class RecallMessageMutation:
    @strawberry.mutation(**requires(
        "Recall one of your messages that is scheduled, queued or being sent: every delivery not yet handed to a "
        "provider is CANCELLED, and the call returns once the batches already with a provider are done, so "
        "nothing is sent after it returns. Another user's message, one already complete or recalled and a missing "
        "id are all NOT_FOUND, alike.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    async def recall_message(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="One of your messages (Message.id).")]) -> RecallMessageResult:
        try:
            recalled = await run_in_threadpool(recall, info.context.engine, info.context.viewer, parse_id(id, Kind.MESSAGE))
        except MessageNotFound:
            return RecallMessageErrors.not_found("id", NOT_FOUND_MESSAGE)
        await run_in_threadpool(progress_events.publish, info.context.events, [recalled.message_id])  # Redis, off the loop
        row = await run_in_threadpool(_load_message, info.context.engine, recalled.message_id)
        return RecallMessageSuccess(message=Message.from_row(row), cancelled=recalled.cancelled,
                                    sent_before=recalled.sent_before, still_in_flight=recalled.still_in_flight)
