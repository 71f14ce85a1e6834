"""sendMessage: authorize every gated option, validate, confirm the count, store; the hand-on job starts after the commit."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.access.scopes import Scope
from domain.messages.send import send_message as store_message_to_send
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, NEW_MESSAGE_CODES, field_errors
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.sending import SendMessageConfirmationRequired, SendMessageSuccess, send_now
from graph.permissions import authorize_input, requires

SendMessageErrors = field_errors("SendMessage", (*MESSAGE_INPUT_CODES, *NEW_MESSAGE_CODES))

SendMessageResult = Annotated[
    SendMessageSuccess | SendMessageErrors | SendMessageConfirmationRequired,
    strawberry.union("SendMessageResult", description=(
        "What sendMessage answers: the message sent, a recipient count to confirm (CMP-27), or the input's errors "
        "(then nothing was written).")),
]


def send_message(info: Info, input: Annotated[SendMessageInput, strawberry.argument(
        description="The message and its recipients.")]) -> SendMessageResult:
    viewer = info.context.viewer
    authorize_input(viewer, input)  # FORBIDDEN before anything is read or written
    return send_now(info, lambda: store_message_to_send(info.context.session, viewer, to_request(input),
                                                         jobs=info.context.jobs),
                    SendMessageErrors)


@strawberry.type
class SendMessageMutation:
    send_message: SendMessageResult = strawberry.mutation(
        resolver=send_message,
        **requires("Send a message now to the selected students and staff.",
                   Perm.COMMUNICATION, Perm.SEND_MESSAGES, scopes=(Scope.MESSAGES_SEND,)),
    )
