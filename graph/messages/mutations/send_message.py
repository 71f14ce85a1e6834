"""sendMessage: authorize every gated option, validate, confirm the count, store; the hand-on job starts at the commit."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.recipients.call_window import message_deferral
from domain.support.errors import AuthorizationError, InvalidInput
from domain.messages.send import ConfirmationRequired, send_message as store_message_to_send
from domain.access.permissions import Perm
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, SendMessageInput, to_errors, to_request
from graph.messages.types import CallWindowDeferral, Message
from graph.permissions import authorize_input, denied, requires


@strawberry.type(description="The message was stored and queued for delivery.")
class SendMessageSuccess:
    message: Message
    recipient_count: int
    call_window: CallWindowDeferral | None = strawberry.field(
        description="Set when SMS, calls or push wait for the call window (SYS-02).")


@strawberry.type(description="Nothing was written: repeat the request with confirmedRecipientCount set to "
                             "recipientCount (and familySeed set to familySeed) (CMP-27).")
class SendMessageConfirmationRequired:
    recipient_count: int
    detail: str
    family_seed: int = strawberry.field(description=(
        "The once-per-family draw the count was made with; send it back so the confirmed send "
        "picks the same students (RCP-09)."))


SendMessageResult = Annotated[
    SendMessageSuccess | SendMessageErrors | SendMessageConfirmationRequired,
    strawberry.union("SendMessageResult"),
]


def attempt(session, store, verb: str):
    """Run ``store``; when the input is refused (field errors, or the CMP-27 confirmation) roll
    back and return ``(None, refusal)``, else ``(what store returned, None)``. A permission the
    stored message needs (domain AuthorizationError) rolls back and raises FORBIDDEN."""
    try:
        return store(), None
    except AuthorizationError as refused:
        session.rollback()
        raise denied(refused) from None
    except InvalidInput as invalid:
        session.rollback()
        return None, to_errors(invalid.problems)
    except ConfirmationRequired as confirm:
        session.rollback()
        return None, SendMessageConfirmationRequired(
            recipient_count=confirm.recipient_count, family_seed=confirm.family_seed,
            detail=f"This message reaches {confirm.recipient_count} recipients; confirm the count to {verb}.")


def commit_send(info: Info, store) -> SendMessageResult:
    """Run ``store`` (which returns the message, with its delivery rows written, and its recipient
    count, and schedules the job that hands the rows to dispatch); commit, which starts that job,
    or roll back, which drops it, and return the field errors or the confirmation request."""
    session = info.context.session
    stored, refusal = attempt(session, store, "send")
    if refusal is not None:
        return refusal
    message, count = stored
    deferral = message_deferral(session, message)
    session.commit()
    return SendMessageSuccess(message=Message.from_row(message), recipient_count=count,
                              call_window=CallWindowDeferral.of(deferral))


def send_message(info: Info, input: SendMessageInput) -> SendMessageResult:
    viewer = info.context.viewer
    authorize_input(viewer, input)  # FORBIDDEN before anything is read or written
    return commit_send(info, lambda: store_message_to_send(info.context.session, viewer, to_request(input),
                                                           jobs=info.context.jobs))


@strawberry.type
class MessageMutations:
    send_message: SendMessageResult = strawberry.mutation(
        resolver=send_message,
        **requires("Send a message now to the selected students and staff.",
                   Perm.COMMUNICATION, Perm.SEND_MESSAGES),
    )
