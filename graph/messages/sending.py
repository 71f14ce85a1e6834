"""What sendMessage and sendDraft share (and the schedule mutations, the confirmation): the
success and CMP-27 payloads, and the send-now path with its after-commit hand-off."""

from __future__ import annotations

import strawberry

from domain.messages.send import ConfirmationRequired
from domain.recipients.call_window import message_deferral
from domain.support.errors import Refusal
from graph.context import Info
from graph.errors import UserErrors, perform
from graph.messages.message import Message
from graph.messages.types import CallWindowDeferral


@strawberry.type(description="The message was stored and queued for delivery.")
class SendMessageSuccess:
    message: Message = strawberry.field(description="The message, QUEUED or SENDING.")
    recipient_count: int = strawberry.field(description="People reached, each counted once (CMP-27).")
    call_window: CallWindowDeferral | None = strawberry.field(
        description=(
        "Set when SMS, calls or push wait for the call window (SYS-02); null when nothing waits."))


@strawberry.type(description="Nothing was written: repeat the request with confirmedRecipientCount set to "
                             "recipientCount (and familySeed set to familySeed) (CMP-27).")
class SendMessageConfirmationRequired:
    recipient_count: int = strawberry.field(description="People the message would reach, each counted once.")
    detail: str = strawberry.field(description="A sentence to show the sender.")
    family_seed: int = strawberry.field(description=(
        "The once-per-family draw the count was made with; send it back so the confirmed send "
        "picks the same students (RCP-09)."))


def refused_or_confirm(errors: type[UserErrors], verb: str):
    """The payload of a refused send or schedule: the CMP-27 confirmation, or ``errors``."""
    def refused(refusal: Refusal):
        if isinstance(refusal, ConfirmationRequired):
            return SendMessageConfirmationRequired(
                recipient_count=refusal.recipient_count, family_seed=refusal.family_seed,
                detail=f"This message reaches {refusal.recipient_count} recipients; confirm the count to {verb}.")
        return errors.of(refusal)
    return refused


def send_now(info: Info, store, errors: type[UserErrors]):
    """Run ``store`` (which returns the message, with its delivery rows written, and its recipient
    count, and schedules the job that hands the rows to dispatch); commit, which starts that job,
    or roll back, which drops it, and return the field errors or the confirmation request."""
    session = info.context.session

    def action():
        message, count = store()
        return message, count, message_deferral(session, message)

    def done(stored):
        message, count, deferral = stored
        return SendMessageSuccess(message=Message.from_row(message), recipient_count=count,
                                  call_window=CallWindowDeferral.of(deferral))

    return perform(info, action, refused=refused_or_confirm(errors, "send"), done=done)
